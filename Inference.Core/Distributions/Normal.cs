using Inference.Autodiff;
using Inference.Randomness;
using Inference.Transforms;

namespace Inference.Distributions;

/// <summary>Normal(μ, σ): −½((x − μ)/σ)² − log σ − ½ log 2π.</summary>
public sealed class Normal : UnivariateDistribution
{
    internal const double HalfLogTwoPi = 0.91893853320467274178;

    /// <summary>Creates the distribution; parameters are checked here.</summary>
    public Normal(double mean, double standardDeviation)
    {
        Mean = Check.Finite(mean, nameof(mean));
        StandardDeviation = Check.Positive(standardDeviation, nameof(standardDeviation));
    }

    /// <summary>The parameter mean.</summary>
    public double Mean { get; }

    /// <summary>The parameter standardDeviation.</summary>
    public double StandardDeviation { get; }

    /// <inheritdoc/>
    public override Constraint Support => Constraint.Real;

    /// <inheritdoc/>
    public override Var LogProb(Var value) => LogProb(value, Mean, StandardDeviation);

    /// <inheritdoc/>
    protected override double Draw(Rng rng) => Mean + (StandardDeviation * rng.Normal());

    /// <summary>Elementwise log-density of <paramref name="x"/>, differentiable in every argument (arguments broadcast).</summary>
    public static Var LogProb(Var x, Arg mean, Arg standardDeviation)
    {
        Check.Finite(mean, nameof(mean));
        Check.Positive(standardDeviation, nameof(standardDeviation));
        if (Ops.NormalLogDensity(x, mean, standardDeviation) is { } fused)
        {
            // one node, constants as its attributes
            return SupportCheck.Restrict(fused, standardDeviation, Domain.Positive);
        }

        var t = x.Tape;
        var sigma = standardDeviation.On(t);
        var z = (x - mean.On(t)) / sigma;
        var lp = (-0.5 * Ops.Square(z)) - Ops.Log(sigma) - HalfLogTwoPi;
        return SupportCheck.Restrict(lp, standardDeviation, Domain.Positive);
    }
}
