using Inference.Autodiff;
using Inference.Randomness;
using Inference.Transforms;

namespace Inference.Distributions;

/// <summary>
/// Ordered logistic(η, c) over the ordered categories k = 0 … K − 1 (Stan's 1 … K) with increasing cutpoints
/// c₀ &lt; … &lt; c_{K−2}: P(k) = σ(η − c_{k−1}) − σ(η − c_k), with σ(η − c₋₁) = 1 and σ(η − c_{K−1}) = 0.
/// A latent η + Logistic(0, 1) is cut at the cutpoints.
/// </summary>
public sealed class OrderedLogistic : IDistribution
{
    private readonly double[] _cutpoints;

    /// <summary>Creates the distribution from the location η and K − 1 ≥ 1 finite, strictly increasing cutpoints.</summary>
    public OrderedLogistic(double location, double[] cutpoints)
    {
        ArgumentNullException.ThrowIfNull(cutpoints);
        Location = Check.Finite(location, nameof(location));
        if (cutpoints.Length == 0 || cutpoints.Any(c => !double.IsFinite(c)) || !IsIncreasing(cutpoints))
        {
            throw new ArgumentException("The cutpoints must be one or more finite values in strictly increasing order.", nameof(cutpoints));
        }

        _cutpoints = (double[])cutpoints.Clone();
    }

    /// <summary>The location η.</summary>
    public double Location { get; }

    /// <summary>The cutpoints.</summary>
    public IReadOnlyList<double> Cutpoints => _cutpoints;

    /// <summary>The number of categories K.</summary>
    public int Categories => _cutpoints.Length + 1;

    /// <inheritdoc/>
    public Constraint Support => Constraint.Interval(-0.5, Categories - 0.5);

    /// <inheritdoc/>
    public bool IsDiscrete => true;

    /// <summary>The log-probability of each category index (whole numbers 0 … K − 1; anything else has −∞) in <paramref name="value"/>.</summary>
    public Var LogProb(Var value)
    {
        var v = value.Value;
        var index = new int[v.Length];
        for (int i = 0; i < index.Length; i++)
        {
            // a value that is not a category maps to −1, which LogProb sends to −∞
            index[i] = v[i] >= 0 && v[i] < Categories && v[i] == Math.Floor(v[i]) ? (int)v[i] : -1;
        }

        return LogProb(index, Location, value.Tape.Constant(_cutpoints));
    }

    /// <inheritdoc/>
    public void Sample(Rng rng, Span<double> destination)
    {
        ArgumentNullException.ThrowIfNull(rng);
        for (int i = 0; i < destination.Length; i++)
        {
            double u = rng.NextOpenDouble();
            double latent = Location + Math.Log(u / (1 - u));
            int k = 0;
            while (k < _cutpoints.Length && latent > _cutpoints[k])
            {
                k++;
            }

            destination[i] = k;
        }
    }

    /// <summary>
    /// The log-probability of each outcome (0 … K − 1; others −∞) with location η (a scalar, or one per outcome) and
    /// cutpoints [K − 1], differentiable in both. Cutpoints that are not strictly increasing give −∞. The outcome array
    /// is read, not copied: keep it unchanged until the tape is reset.
    /// </summary>
    public static Var LogProb(int[] outcomes, Arg location, Var cutpoints)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        Check.Finite(location, nameof(location));
        if (cutpoints.Shape.Rank != 1)
        {
            throw new ArgumentException($"The cutpoints must be a vector; got shape {cutpoints.Shape}.", nameof(cutpoints));
        }

        var t = cutpoints.Tape;
        int k = cutpoints.Shape[0] + 1;
        var eta = location.On(t);
        bool perOutcome = eta.Shape.Length != 1;
        if (perOutcome && eta.Shape.Length != outcomes.Length)
        {
            throw new ArgumentException($"The location has {eta.Shape.Length} values for {outcomes.Length} outcomes; give one, or one per outcome.", nameof(location));
        }

        // d[…, j] = η − c_j; log P(k) for every k along the last axis, then the observed one is picked
        var d = perOutcome ? Ops.Reshape(eta, Shape.Matrix(outcomes.Length, 1)) - cutpoints : Ops.Reshape(eta, Shape.Scalar) - cutpoints;
        var first = -Ops.Softplus(Ops.Slice(d, 0, 1));
        var last = -Ops.Softplus(-Ops.Slice(d, k - 2, 1));
        Var table;
        if (k > 2)
        {
            // log(σ(a) − σ(b)) = a + log(1 − e^{b − a}) − softplus(a) − softplus(b), for a = η − c_{j−1} > b = η − c_j
            var a = Ops.Slice(d, 0, k - 2);
            var b = Ops.Slice(d, 1, k - 2);
            var middle = a + Ops.Log(-Ops.Expm1(b - a)) - Ops.Softplus(a) - Ops.Softplus(b);
            table = Ops.Concat([first, middle, last]);
        }
        else
        {
            table = Ops.Concat([first, last]);
        }

        int[] index = outcomes;
        bool[]? keep = null;
        for (int i = 0; i < outcomes.Length; i++)
        {
            if ((uint)outcomes[i] >= (uint)k)
            {
                if (keep is null)
                {
                    keep = Enumerable.Repeat(true, outcomes.Length).ToArray();
                    index = (int[])outcomes.Clone();
                }

                keep[i] = false;
                index[i] = 0;
            }
        }

        var lp = perOutcome ? Ops.TakeAlongLastAxis(table, index) : Ops.Gather(table, index);
        if (!IsIncreasing(cutpoints.Value))
        {
            return Ops.Where(new bool[lp.Shape.Length], lp, double.NegativeInfinity);
        }

        return keep is null ? lp : Ops.Where(keep, lp, double.NegativeInfinity);
    }

    private static bool IsIncreasing(ReadOnlySpan<double> c)
    {
        for (int i = 1; i < c.Length; i++)
        {
            if (!(c[i] > c[i - 1]))
            {
                return false;
            }
        }

        return true;
    }
}
