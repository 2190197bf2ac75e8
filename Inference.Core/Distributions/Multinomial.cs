using Inference.Autodiff;
using Inference.Randomness;
using Inference.Transforms;

namespace Inference.Distributions;

/// <summary>Multinomial(n, p) on count vectors of K categories summing to n: log n! − Σ log xₖ! + Σ xₖ log pₖ.</summary>
public sealed class Multinomial : IDistribution
{
    private readonly double[] _probabilities;

    /// <summary>Creates the distribution from the number of trials and K ≥ 2 probabilities summing to 1 (to 1e-8).</summary>
    public Multinomial(int trials, double[] probabilities)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        ArgumentOutOfRangeException.ThrowIfNegative(trials);
        if (probabilities.Length < 2 || probabilities.Any(p => !(p >= 0 && p <= 1)) || !(Math.Abs(probabilities.Sum() - 1) <= 1e-8))
        {
            throw new ArgumentException("Need at least two probabilities in [0, 1] summing to 1.", nameof(probabilities));
        }

        Trials = trials;
        _probabilities = (double[])probabilities.Clone();
    }

    /// <summary>The number of trials n.</summary>
    public int Trials { get; }

    /// <summary>The category probabilities p.</summary>
    public IReadOnlyList<double> Probabilities => _probabilities;

    /// <inheritdoc/>
    public Constraint Support => Constraint.Interval(-0.5, Trials + 0.5);

    /// <inheritdoc/>
    public bool IsDiscrete => true;

    /// <summary>The log-mass of one count vector [K] (a scalar) or of each row of [m, K] (a vector); −∞ for a row not summing to n.</summary>
    public Var LogProb(Var value)
    {
        var lp = LogProb(value, value.Tape.Constant(_probabilities));
        var v = value.Value;
        int k = _probabilities.Length, rows = v.Length / k;
        bool[]? keep = null;
        for (int r = 0; r < rows; r++)
        {
            double sum = 0;
            for (int j = 0; j < k; j++)
            {
                sum += v[(r * k) + j];
            }

            if (sum != Trials)
            {
                keep ??= Enumerable.Repeat(true, rows).ToArray();
                keep[r] = false;
            }
        }

        return keep is null ? lp : Ops.Where(keep, lp, double.NegativeInfinity);
    }

    /// <summary>Fills <paramref name="destination"/> with consecutive count vectors of K entries (sequential binomials).</summary>
    public void Sample(Rng rng, Span<double> destination)
    {
        ArgumentNullException.ThrowIfNull(rng);
        int k = _probabilities.Length;
        if (destination.Length % k != 0)
        {
            throw new ArgumentException($"The destination holds whole draws of {k} entries; got {destination.Length}.", nameof(destination));
        }

        for (int start = 0; start < destination.Length; start += k)
        {
            int left = Trials;
            double mass = 1;
            for (int j = 0; j < k; j++)
            {
                int count = j == k - 1 || mass <= 0 ? left : MathNet.Numerics.Distributions.Binomial.Sample(rng, Math.Clamp(_probabilities[j] / mass, 0, 1), left);
                destination[start + j] = count;
                left -= count;
                mass -= _probabilities[j];
            }
        }
    }

    /// <summary>
    /// Stan's multinomial_lpmf: the log-mass of count vector(s) <paramref name="counts"/> ([K] or [m, K], n = each row's sum)
    /// under <paramref name="probabilities"/> [K], differentiable in the probabilities. A row with a negative or fractional
    /// count, or a negative probability, gives −∞.
    /// </summary>
    public static Var LogProb(Var counts, Var probabilities)
    {
        if (probabilities.Shape.Rank != 1 || counts.Shape.Rank is not (1 or 2) || counts.Shape[counts.Shape.Rank - 1] != probabilities.Shape[0])
        {
            throw new ArgumentException($"Counts {counts.Shape} do not match probabilities {probabilities.Shape}: expected [K] or [m, K] counts for K probabilities.", nameof(counts));
        }

        bool single = counts.Shape.Rank == 1;
        var n = single ? Ops.Sum(counts) : Ops.Sum(counts, -1);
        var perCategory = (counts * Ops.Log(probabilities)) - Ops.LGamma(counts + 1.0);
        var lp = Ops.LGamma(n + 1.0) + (single ? Ops.Sum(perCategory) : Ops.Sum(perCategory, -1));
        var c = counts.Value;
        int k = probabilities.Shape[0], rows = c.Length / k;
        bool badProbabilities = false;
        foreach (double p in probabilities.Value)
        {
            badProbabilities |= !(p >= 0);
        }

        bool[]? keep = null;
        for (int r = 0; r < rows; r++)
        {
            bool ok = !badProbabilities;
            for (int j = 0; j < k; j++)
            {
                ok &= Domain.Counts.Contains(c[(r * k) + j]);
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
