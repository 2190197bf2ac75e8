using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using Inference.Autodiff;
using Tensor = Inference.Autodiff.Tensor;

namespace Inference.Benchmarks.Autodiff;

/// <summary>100-D Gaussian log-density −½(x − μ)ᵀP(x − μ) with a dense precision: AD against the analytic gradient −P(x − μ).</summary>
[Config(typeof(BenchmarkSettings))]
public class GaussianBenchmarks
{
    private const int D = 100;
    private readonly Tensor _precision = new(Shape.Matrix(D, D));
    private readonly Tensor _mean = new(Shape.Vector(D));
    private readonly double[] _x = new double[D];
    private readonly double[] _grad = new double[D];
    private readonly double[] _diff = new double[D];
    private GradientEvaluator _evaluator = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(12);
        var a = new double[D * D];
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = (2 * rng.NextDouble()) - 1;
        }

        // P = AAᵀ/D + I (symmetric positive definite)
        for (int i = 0; i < D; i++)
        {
            for (int j = 0; j < D; j++)
            {
                _precision[i, j] = (TensorPrimitives.Dot(a.AsSpan(i * D, D), a.AsSpan(j * D, D)) / D) + (i == j ? 1 : 0);
            }

            _mean[i] = rng.NextDouble();
            _x[i] = rng.NextDouble();
        }

        _evaluator = new GradientEvaluator(LogDensity, D);
    }

    private Var LogDensity(Var x)
    {
        var d = x - x.Tape.Constant(_mean);
        return -0.5 * Ops.Dot(d, Ops.MatMul(x.Tape.Constant(_precision), d));
    }

    [Benchmark(Description = "AD gradient")]
    public double AdGradient() => _evaluator.ValueAndGradient(_x, _grad);

    [Benchmark(Baseline = true, Description = "analytic gradient")]
    public double AnalyticGradient()
    {
        TensorPrimitives.Subtract(_x, _mean.Data, _diff);
        for (int i = 0; i < D; i++)
        {
            _grad[i] = -TensorPrimitives.Dot(_precision.Data.AsSpan(i * D, D), _diff);
        }

        return 0.5 * TensorPrimitives.Dot(_diff, _grad);
    }
}
