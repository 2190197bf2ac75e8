using BenchmarkDotNet.Attributes;
using Inference.Autodiff;
using Inference.Densities;
using Inference.Flows;
using Inference.Flows.Optimizers;
using Inference.Randomness;

namespace Inference.Benchmarks.Flows;

/// <summary>
/// One reverse-KL training step (sample 256 base points, push through RealNVP with 8 couplings and MLP 64×64,
/// evaluate an isotropic Gaussian target, backward, Adam) at D = 10 and 100, and the single-point
/// forward + gradient with respect to z through the whole flow (the cost of one NeuTra leapfrog step);
/// sizes as in ../shared/fixtures/torch-figures.md.
/// </summary>
[Config(typeof(BenchmarkSettings))]
public class VariationalBenchmarks
{
    private const int Batch = 256;
    private FlowDistribution _flow = null!;
    private Adam _adam = null!;
    private Rng _rng = null!;
    private readonly Tape _tape = new();
    private readonly Tape _pointTape = new() { BindsVariables = false };  // as NeuTra evaluates the flow
    private double[] _noise = null!;
    private double[] _z = null!;
    private double[] _grad = null!;

    [Params(10, 100)]
    public int Dimension { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _flow = FlowDistribution.RealNvp(Dimension, 8, [64, 64], new Rng(1));
        _adam = new Adam(_flow.Parameters(), 1e-3);
        _rng = new Rng(2);
        _noise = new double[Batch * Dimension];
        _z = new double[Dimension];
        _grad = new double[Dimension];
        new Rng(3).Normal(_z);
    }

    [Benchmark(Description = "reverse-KL step, batch 256")]
    public double TrainingStep()
    {
        _tape.Reset();
        _rng.Normal(_noise);
        var (x, logQ) = _flow.PushForward(_tape.Constant(_noise, Shape.Matrix(Batch, Dimension)));
        // target: standard normal, evaluated on the tape (the flow's cost is what is measured)
        var logP = -0.5 * Ops.Sum(Ops.Square(x), -1);
        var elbo = Ops.Mean(logP - logQ);
        _adam.ZeroGrad();
        _tape.Backward(-elbo);
        _flow.Transform.CollectGradients(_tape);
        _adam.Step();
        return elbo.Item;
    }

    [Benchmark(Description = "single point: forward + gradient in z")]
    public double PointGradient()
    {
        _pointTape.Reset();
        var z = _pointTape.Variable(_z);
        var x = _flow.Transform.Forward(z, out var logDet);
        var total = (-0.5 * Ops.Dot(x, x)) + logDet;
        _pointTape.Backward(total);
        z.Grad.CopyTo(_grad);
        return total.Item;
    }
}
