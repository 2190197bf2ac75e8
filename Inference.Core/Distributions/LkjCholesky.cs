using Inference.Autodiff;
using Inference.Randomness;
using Inference.Transforms;

namespace Inference.Distributions;

/// <summary>
/// The LKJ distribution (Lewandowski, Kurowicka and Joe 2009) on Cholesky factors L of K × K correlation
/// matrices: log p(L | η) = Σ_{k=2..K} (K − k + 2η − 2) log Lₖₖ − log c_K(η), with
/// c_K(η) = Π_{k=1..K−1} [2^{(2η − 2 + K − k)} B(η + (K − k − 1)/2, η + (K − k − 1)/2)]^{K − k}.
/// η = 1 is uniform over correlation matrices; larger η concentrates near the identity.
/// </summary>
public sealed class LkjCholesky : IDistribution
{
    /// <summary>Creates LKJ(η) on K × K Cholesky factors.</summary>
    public LkjCholesky(int dimension, double shape)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 2);
        Dimension = dimension;
        Shape = Check.Positive(shape, nameof(shape));
    }

    /// <summary>The matrix side K.</summary>
    public int Dimension { get; }

    /// <summary>The shape η.</summary>
    public double Shape { get; }

    /// <inheritdoc/>
    public Constraint Support => Constraint.CholeskyCorrelation;

    /// <inheritdoc/>
    public bool IsDiscrete => false;

    /// <summary>The log-density of one factor (K × K or flattened K²) as a scalar.</summary>
    public Var LogProb(Var value) => LogProb(value, Shape);

    /// <summary>Fills <paramref name="destination"/> with consecutive flattened (row-major) K × K factors.</summary>
    public void Sample(Rng rng, Span<double> destination)
    {
        ArgumentNullException.ThrowIfNull(rng);
        int k = Dimension, kk = k * k;
        if (destination.Length % kk != 0)
        {
            throw new ArgumentException($"The destination holds whole draws of {kk} entries; got {destination.Length}.", nameof(destination));
        }

        for (int start = 0; start < destination.Length; start += kk)
        {
            var l = destination.Slice(start, kk);
            l.Clear();
            l[0] = 1;
            for (int i = 1; i < k; i++)
            {
                double remaining = 1;
                for (int j = 0; j < i; j++)
                {
                    // partial correlation of column j: 2·Beta(α, α) − 1 with α = η + (K − 2 − j)/2 (C-vine)
                    double alpha = Shape + ((k - 2 - j) / 2.0);
                    double z = (2 * MathNet.Numerics.Distributions.Beta.Sample(rng, alpha, alpha)) - 1;
                    double v = z * Math.Sqrt(remaining);
                    l[(i * k) + j] = v;
                    remaining -= v * v;
                }

                l[(i * k) + i] = Math.Sqrt(Math.Max(remaining, 0));
            }
        }
    }

    /// <summary>The log-density of the factor <paramref name="choleskyFactor"/> (K × K or K²), differentiable in it and in η.</summary>
    public static Var LogProb(Var choleskyFactor, Arg shape)
    {
        var t = choleskyFactor.Tape;
        var s = choleskyFactor.Shape;
        int k = s.Rank == 2 ? s[0] : (int)Math.Round(Math.Sqrt(s.Length));
        if (k < 2 || k * k != s.Length || (s.Rank == 2 && s[0] != s[1]))
        {
            throw new ArgumentException($"Expected a K × K factor (K ≥ 2), square or flattened; got shape {s}.", nameof(choleskyFactor));
        }

        var eta = shape.On(t);
        var l = s.Rank == 2 ? choleskyFactor : Ops.Reshape(choleskyFactor, Autodiff.Shape.Matrix(k, k));
        // Σ_{k=2..K} (K − k + 2η − 2) log Lₖₖ, k 1-based; the first diagonal entry is 1.
        var logDiagonal = Ops.Slice(Ops.Log(Ops.Diagonal(l)), 1, k - 1);
        var weights = new double[k - 1];
        for (int i = 0; i < k - 1; i++)
        {
            weights[i] = k - (i + 2) - 2;
        }

        var density = Ops.Dot(logDiagonal, t.Constant(weights)) + (2.0 * eta * Ops.Sum(logDiagonal));
        return density - LogNormalizer(eta, k);
    }

    /// <summary>log c_K(η) = Σ_{k=1..K−1} (K − k)[(2η − 2 + K − k) log 2 + 2 log Γ(b) − log Γ(2b)], b = η + (K − k − 1)/2.</summary>
    internal static Var LogNormalizer(Var eta, int k)
    {
        Var total = eta * 0.0;
        for (int j = 1; j < k; j++)
        {
            int m = k - j;
            var b = eta + ((m - 1) / 2.0);
            var term = (((2.0 * eta) + (m - 2)) * Math.Log(2)) + (2.0 * Ops.LGamma(b)) - Ops.LGamma(2.0 * b);
            total += m * term;
        }

        return total;
    }
}
