using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using Inference.Autodiff;
using Tensor = Inference.Autodiff.Tensor;

namespace Inference.Benchmarks.Autodiff;

/// <summary>
/// Logistic-regression log-likelihood, N = 1000 × D = 25: AD gradient against a hand-written analytic
/// gradient and the plain (value-only) log-density, all vectorized with TensorPrimitives.
/// </summary>
[Config(typeof(BenchmarkSettings))]
public class LogisticRegressionBenchmarks
{
    private const int N = 1000;
    private const int D = 25;
    private readonly Tensor _x = new(Shape.Matrix(N, D));
    private readonly Tensor _y = new(Shape.Vector(N));
    private readonly double[] _beta = new double[D];
    private readonly double[] _grad = new double[D];
    private readonly double[] _eta = new double[N];
    private readonly double[] _work = new double[N];
    private readonly double[] _work2 = new double[N];
    private GradientEvaluator _evaluator = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(11);
        for (int i = 0; i < _x.Length; i++)
        {
            _x[i] = (2 * rng.NextDouble()) - 1;
        }

        for (int i = 0; i < N; i++)
        {
            _y[i] = rng.NextDouble() < 0.5 ? 1 : 0;
        }

        for (int j = 0; j < D; j++)
        {
            _beta[j] = 0.3 * ((2 * rng.NextDouble()) - 1);
        }

        _evaluator = new GradientEvaluator(LogLikelihood, D);
    }

    private Var LogLikelihood(Var beta)
    {
        var tape = beta.Tape;
        var eta = Ops.MatMul(tape.Constant(_x), beta);
        return Ops.Sum((tape.Constant(_y) * eta) - Ops.Softplus(eta));
    }

    [Benchmark(Description = "AD gradient")]
    public double AdGradient() => _evaluator.ValueAndGradient(_beta, _grad);

    [Benchmark(Description = "AD value only (no-grad tape)")]
    public double AdValue() => _evaluator.Value(_beta);

    [Benchmark(Baseline = true, Description = "analytic gradient")]
    public double AnalyticGradient()
    {
        double lp = PlainCore();
        // r = y − σ(η); ∇ = Xᵀ r
        TensorPrimitives.Sigmoid(_eta, _work);
        TensorPrimitives.Subtract(_y.Data, _work, _work);
        Array.Clear(_grad);
        for (int i = 0; i < N; i++)
        {
            TensorPrimitives.MultiplyAdd(_x.Data.AsSpan(i * D, D), _work[i], _grad, _grad);
        }

        return lp;
    }

    [Benchmark(Description = "plain log-density")]
    public double PlainLogDensity() => PlainCore();

    private double PlainCore()
    {
        for (int i = 0; i < N; i++)
        {
            _eta[i] = TensorPrimitives.Dot(_x.Data.AsSpan(i * D, D), _beta);
        }

        // softplus(η) = max(η, 0) + log(1 + e^−|η|)
        TensorPrimitives.Abs(_eta, _work);
        TensorPrimitives.Negate(_work, _work);
        TensorPrimitives.Exp(_work, _work);
        TensorPrimitives.LogP1(_work, _work);
        TensorPrimitives.Max(_eta, 0.0, _work2);
        return TensorPrimitives.Dot(_y.Data, _eta) - TensorPrimitives.Sum(_work) - TensorPrimitives.Sum(_work2);
    }
}
