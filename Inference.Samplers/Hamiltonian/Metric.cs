using System.Runtime.CompilerServices;
using Inference.Randomness;

namespace Inference.Samplers.Hamiltonian;

/// <summary>
/// The inverse metric A = M⁻¹ of the kinetic energy ½pᵀAp: unit, diagonal or dense. Momentum is drawn
/// from N(0, M) (dense: p = L⁻ᵀz with A = LLᵀ, so the inverse is never formed).
/// </summary>
public sealed class Metric
{
    private readonly double[] _diagonal;
    private readonly double[]? _dense;
    private readonly double[]? _cholesky;

    private Metric(MetricKind kind, int dimension, double[] diagonal, double[]? dense, double[]? cholesky)
    {
        Kind = kind;
        Dimension = dimension;
        _diagonal = diagonal;
        _dense = dense;
        _cholesky = cholesky;
    }

    /// <summary>Unit, diagonal or dense.</summary>
    public MetricKind Kind { get; }

    /// <summary>The dimension.</summary>
    public int Dimension { get; }

    /// <summary>The identity metric.</summary>
    public static Metric Unit(int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        return new Metric(MetricKind.Unit, dimension, Enumerable.Repeat(1.0, dimension).ToArray(), null, null);
    }

    /// <summary>A diagonal inverse metric (per-coordinate posterior variances).</summary>
    public static Metric Diagonal(ReadOnlySpan<double> inverseMetricDiagonal)
    {
        foreach (double v in inverseMetricDiagonal)
        {
            if (!(v > 0) || double.IsInfinity(v))
            {
                throw new ArgumentException("The diagonal inverse metric needs positive finite entries.", nameof(inverseMetricDiagonal));
            }
        }

        return new Metric(MetricKind.Diagonal, inverseMetricDiagonal.Length, inverseMetricDiagonal.ToArray(), null, null);
    }

    /// <summary>A dense inverse metric (a posterior covariance estimate, d × d row-major, symmetric positive definite).</summary>
    public static Metric Dense(ReadOnlySpan<double> inverseMetric, int dimension)
    {
        if (inverseMetric.Length != dimension * dimension)
        {
            throw new ArgumentException($"Expected {dimension} × {dimension} values; got {inverseMetric.Length}.", nameof(inverseMetric));
        }

        var a = inverseMetric.ToArray();
        var l = new double[a.Length];
        for (int j = 0; j < dimension; j++)
        {
            double d = a[(j * dimension) + j];
            for (int k = 0; k < j; k++)
            {
                d -= l[(j * dimension) + k] * l[(j * dimension) + k];
            }

            if (!(d > 0))
            {
                throw new ArgumentException("The dense inverse metric must be symmetric positive definite.", nameof(inverseMetric));
            }

            l[(j * dimension) + j] = Math.Sqrt(d);
            for (int i = j + 1; i < dimension; i++)
            {
                double s = a[(i * dimension) + j];
                for (int k = 0; k < j; k++)
                {
                    s -= l[(i * dimension) + k] * l[(j * dimension) + k];
                }

                l[(i * dimension) + j] = s / l[(j * dimension) + j];
            }
        }

        var diagonal = new double[dimension];
        for (int i = 0; i < dimension; i++)
        {
            diagonal[i] = a[(i * dimension) + i];
        }

        return new Metric(MetricKind.Dense, dimension, diagonal, a, l);
    }

    /// <summary>The diagonal of the inverse metric, unwrapped for the fused leapfrog.</summary>
    internal double[] DiagonalArray => _diagonal;

    /// <summary>The diagonal of the inverse metric.</summary>
    public IReadOnlyList<double> InverseMetricDiagonal => _diagonal;

    /// <summary>The full inverse metric (row-major d × d), for a dense metric; null otherwise.</summary>
    public IReadOnlyList<double>? InverseMetricMatrix => _dense;

    /// <summary>Draws p ~ N(0, M).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void SampleMomentum(Rng rng, Span<double> p, Span<double> scratch)
    {
        int d = Dimension;
        switch (Kind)
        {
            case MetricKind.Unit:
                rng.Normal(p);
                break;
            case MetricKind.Diagonal:
                for (int i = 0; i < d; i++)
                {
                    p[i] = rng.Normal() / Math.Sqrt(_diagonal[i]);
                }

                break;
            default:
                // p = L⁻ᵀ z: back substitution with Lᵀ
                rng.Normal(scratch);
                var l = _cholesky!;
                for (int i = d - 1; i >= 0; i--)
                {
                    double s = scratch[i];
                    for (int k = i + 1; k < d; k++)
                    {
                        s -= l[(k * d) + i] * p[k];
                    }

                    p[i] = s / l[(i * d) + i];
                }

                break;
        }
    }

    /// <summary>The velocity p♯ = A p.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Velocity(ReadOnlySpan<double> p, Span<double> velocity)
    {
        int d = Dimension;
        switch (Kind)
        {
            case MetricKind.Unit:
                p.CopyTo(velocity);
                break;
            case MetricKind.Diagonal:
                SmallVector.Multiply(p, _diagonal, velocity);
                break;
            default:
                for (int i = 0; i < d; i++)
                {
                    velocity[i] = System.Numerics.Tensors.TensorPrimitives.Dot(_dense.AsSpan(i * d, d), p);
                }

                break;
        }
    }

    /// <summary>vᵀA⁻¹v (the Mahalanobis norm under the inverse metric; dense: through its Cholesky factor).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double InverseQuadraticForm(ReadOnlySpan<double> v)
    {
        int d = Dimension;
        switch (Kind)
        {
            case MetricKind.Unit:
                return System.Numerics.Tensors.TensorPrimitives.Dot(v, v);
            case MetricKind.Diagonal:
                double s = 0;
                for (int i = 0; i < d; i++)
                {
                    s += v[i] * v[i] / _diagonal[i];
                }

                return s;
            default:
                var l = _cholesky!;
                Span<double> y = d <= 256 ? stackalloc double[d] : new double[d];
                double total = 0;
                for (int i = 0; i < d; i++)
                {
                    double t = v[i];
                    for (int k = 0; k < i; k++)
                    {
                        t -= l[(i * d) + k] * y[k];
                    }

                    y[i] = t / l[(i * d) + i];
                    total += y[i] * y[i];
                }

                return total;
        }
    }

    /// <summary>The kinetic energy ½pᵀAp, given the velocity Ap.</summary>
    public static double Kinetic(ReadOnlySpan<double> p, ReadOnlySpan<double> velocity) =>
        0.5 * System.Numerics.Tensors.TensorPrimitives.Dot(p, velocity);
}

/// <summary>The kinds of metric.</summary>
public enum MetricKind
{
    /// <summary>The identity.</summary>
    Unit,

    /// <summary>Diagonal.</summary>
    Diagonal,

    /// <summary>Dense.</summary>
    Dense,
}
