using BenchmarkDotNet.Attributes;
using Inference.Autodiff;

namespace Inference.Benchmarks.Autodiff;

/// <summary>
/// MLP 64 → 64 → 64 → 64 (tanh, tanh, linear), loss Σ out²: forward and backward with respect to all
/// 12,480 parameters, at batch 1 and batch 256.
/// </summary>
[Config(typeof(BenchmarkSettings))]
public class MlpBenchmarks
{
    private const int Width = 64;
    private readonly Tape _tape = new();
    private readonly Tensor[] _weights = new Tensor[3];
    private readonly Tensor[] _biases = new Tensor[3];
    private Tensor _input = null!;

    [Params(1, 256)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(13);
        double scale = 1 / Math.Sqrt(Width);
        for (int l = 0; l < 3; l++)
        {
            _weights[l] = new Tensor(Shape.Matrix(Width, Width));
            _biases[l] = new Tensor(Shape.Vector(Width));
            for (int i = 0; i < _weights[l].Length; i++)
            {
                _weights[l][i] = scale * ((2 * rng.NextDouble()) - 1);
            }

            for (int i = 0; i < Width; i++)
            {
                _biases[l][i] = 0.1 * ((2 * rng.NextDouble()) - 1);
            }
        }

        _input = new Tensor(Shape.Matrix(Batch, Width));
        for (int i = 0; i < _input.Length; i++)
        {
            _input[i] = (2 * rng.NextDouble()) - 1;
        }
    }

    [Benchmark(Description = "forward + backward")]
    public double ForwardBackward()
    {
        _tape.Reset();
        var h = _tape.Constant(_input);
        for (int l = 0; l < 3; l++)
        {
            h = Ops.MatMul(h, _tape.Variable(_weights[l])) + _tape.Variable(_biases[l]);
            if (l < 2)
            {
                h = Ops.Tanh(h);
            }
        }

        var loss = Ops.Sum(Ops.Square(h));
        _tape.Backward(loss);
        return loss.Item;
    }
}
