using BenchmarkDotNet.Attributes;
using Inference.Autodiff.Kernels;
using MathNet.Numerics.LinearAlgebra;

namespace Inference.Benchmarks.Autodiff;

/// <summary>256×64 · 64×64 float64: our register-blocked kernel against MathNet's managed multiply into a preallocated result.</summary>
[Config(typeof(BenchmarkSettings))]
public class MatMulBenchmarks
{
    private const int M = 256;
    private const int K = 64;
    private const int N = 64;
    private readonly double[] _a = new double[M * K];
    private readonly double[] _b = new double[K * N];
    private readonly double[] _c = new double[M * N];
    private Matrix<double> _ma = null!;
    private Matrix<double> _mb = null!;
    private Matrix<double> _mc = null!;

    [GlobalSetup]
    public void Setup()
    {
        MathNet.Numerics.Control.UseManaged();
        var rng = new Random(14);
        for (int i = 0; i < _a.Length; i++)
        {
            _a[i] = rng.NextDouble();
        }

        for (int i = 0; i < _b.Length; i++)
        {
            _b[i] = rng.NextDouble();
        }

        _ma = Matrix<double>.Build.Dense(M, K, (i, j) => _a[(i * K) + j]);
        _mb = Matrix<double>.Build.Dense(K, N, (i, j) => _b[(i * N) + j]);
        _mc = Matrix<double>.Build.Dense(M, N);
    }

    [Benchmark(Description = "Inference blocked kernel")]
    public void Blocked() => MatMulKernel.Gemm(_a, K, 1, _b, _c, M, K, N, accumulate: false);

    [Benchmark(Baseline = true, Description = "MathNet managed A.Multiply(B, C)")]
    public void MathNetManaged() => _ma.Multiply(_mb, _mc);

    [Benchmark(Description = "MathNet managed, single thread")]
    public void MathNetSingleThread()
    {
        MathNet.Numerics.Control.UseSingleThread();
        _ma.Multiply(_mb, _mc);
        MathNet.Numerics.Control.UseMultiThreading();
    }
}
