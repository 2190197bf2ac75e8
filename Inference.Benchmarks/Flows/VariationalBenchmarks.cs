using BenchmarkDotNet.Attributes;
using Inference.Autodiff;
using Inference.Densities;
using Inference.Flows;
using Inference.Flows.Optimizers;
using Inference.Flows.Variational;
using Inference.Randomness;

namespace Inference.Benchmarks.Flows;

/// <summary>
/// One reverse-KL training step as VariationalFit runs it (sample 256 base points, push through RealNVP with 8
/// couplings and MLP 64×64, evaluate an isotropic Gaussian target written batched (as normflows targets are),
/// backward, gradient clip, Adam; the batch split
/// in two halves on two threads) at D = 10 and 100, the same on one thread, and the single-point
/// forward + gradient with respect to z through the whole flow (the cost of one NeuTra leapfrog step);
/// sizes as in reference/fixtures/torch-figures.md.
/// </summary>
[Config(typeof(BenchmarkSettings))]
public class VariationalBenchmarks : IDisposable
{
    private ReverseKlStep _parallelStep = null!;
    private ReverseKlStep _serialStep = null!;
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
        var target = LogDensity.FromBatchedTape(Dimension, x => -0.5 * Ops.Sum(Ops.Square(x), -1));
        _parallelStep = new ReverseKlStep(_flow, target, Batch, 1, stickingTheLanding: false, parallel: true);
        _serialStep = new ReverseKlStep(_flow, target, Batch, 1, stickingTheLanding: false, parallel: false);
        _rng = new Rng(2);
        _noise = new double[Batch * Dimension];
        _z = new double[Dimension];
        _grad = new double[Dimension];
        new Rng(3).Normal(_z);
    }

    [Benchmark(Description = "reverse-KL step, batch 256")]
    public double TrainingStep() => Step(_parallelStep);

    [Benchmark(Description = "reverse-KL step, batch 256, one thread")]
    public double TrainingStepOneThread() => Step(_serialStep);

    private double Step(ReverseKlStep step)
    {
        _rng.Normal(_noise);
        double elbo = step.Run(_noise, 1);
        _adam.ClipGradientNorm(1e4);
        _adam.Step();
        return elbo;
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _parallelStep?.Dispose();
        _serialStep?.Dispose();
        GC.SuppressFinalize(this);
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
