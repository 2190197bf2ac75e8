using Inference.Autodiff;
using Inference.Randomness;
using Inference.Transforms;

namespace Inference.Distributions;

/// <summary>Dirichlet(α) on the K-simplex: Σ (αₖ − 1) log xₖ + log Γ(Σα) − Σ log Γ(αₖ).</summary>
public sealed class Dirichlet : IDistribution
{
    private readonly double[] _alpha;

    /// <summary>Creates the distribution from K ≥ 2 positive concentrations.</summary>
    public Dirichlet(double[] concentration)
    {
        ArgumentNullException.ThrowIfNull(concentration);
        if (concentration.Length < 2 || concentration.Any(a => !(a > 0) || double.IsInfinity(a)))
        {
            throw new ArgumentException("Need at least two positive, finite concentrations.", nameof(concentration));
        }

        _alpha = (double[])concentration.Clone();
    }

    /// <summary>The concentrations α.</summary>
    public IReadOnlyList<double> Concentration => _alpha;

    /// <inheritdoc/>
    public Constraint Support => Constraint.Simplex;

    /// <inheritdoc/>
    public bool IsDiscrete => false;

    /// <summary>The log-density of one simplex vector [K] (a scalar) or of each row of [m, K] (a vector).</summary>
    public Var LogProb(Var value) => LogProb(value, value.Tape.Constant(_alpha));

    /// <summary>Fills <paramref name="destination"/> with consecutive draws of K entries each.</summary>
    public void Sample(Rng rng, Span<double> destination)
    {
        ArgumentNullException.ThrowIfNull(rng);
        int k = _alpha.Length;
        if (destination.Length % k != 0)
        {
            throw new ArgumentException($"The destination holds whole draws of {k} entries; got {destination.Length}.", nameof(destination));
        }

        for (int start = 0; start < destination.Length; start += k)
        {
            double sum = 0;
            for (int j = 0; j < k; j++)
            {
                double g = MathNet.Numerics.Distributions.Gamma.Sample(rng, _alpha[j], 1.0);
                destination[start + j] = g;
                sum += g;
            }

            for (int j = 0; j < k; j++)
            {
                destination[start + j] /= sum;
            }
        }
    }

    /// <summary>Log-density of the simplex vector(s) <paramref name="x"/> ([K] or [m, K]) under concentrations [K], differentiable in both.</summary>
    public static Var LogProb(Var x, Var concentration)
    {
        var logNorm = Ops.LGamma(Ops.Sum(concentration)) - Ops.Sum(Ops.LGamma(concentration));
        var terms = (concentration - 1.0) * Ops.Log(x);
        var lp = (x.Shape.Rank == 1 ? Ops.Sum(terms) : Ops.Sum(terms, -1)) + logNorm;
        lp = OnSimplex(lp, x);
        return IsPositive(concentration.Value) ? lp : Ops.Where(new bool[lp.Shape.Length], lp, double.NegativeInfinity);
    }

    private static bool IsPositive(ReadOnlySpan<double> values)
    {
        foreach (double v in values)
        {
            if (!(v > 0) || double.IsPositiveInfinity(v))
            {
                return false;
            }
        }

        return true;
    }

    // −∞ for each vector (row) with an entry outside [0, 1]; the sum is not checked, so that finite differences off the
    // simplex (and the simplex transform's rounding) keep their values
    private static Var OnSimplex(Var lp, Var x)
    {
        var v = x.Value;
        int k = x.Shape[x.Shape.Rank - 1], rows = v.Length / k;
        bool[]? keep = null;
        for (int r = 0; r < rows; r++)
        {
            bool ok = true;
            for (int j = 0; j < k; j++)
            {
                ok &= v[(r * k) + j] is >= 0 and <= 1;
            }

            if (!ok)
            {
                keep ??= Enumerable.Repeat(true, rows).ToArray();
                keep[r] = false;
            }
        }

        return keep is null ? lp : Ops.Where(keep, lp, double.NegativeInfinity);
    }
}
