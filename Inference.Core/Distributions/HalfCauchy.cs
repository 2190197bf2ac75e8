using Inference.Autodiff;
using Inference.Randomness;
using Inference.Transforms;

namespace Inference.Distributions;

/// <summary>Half-Cauchy(σ) on x ≥ 0: twice the Cauchy(0, σ) density.</summary>
public sealed class HalfCauchy : UnivariateDistribution
{
    /// <summary>Creates the distribution; parameters are checked here.</summary>
    public HalfCauchy(double scale)
    {
        Scale = Check.Positive(scale, nameof(scale));
    }

    /// <summary>The parameter scale.</summary>
    public double Scale { get; }

    /// <inheritdoc/>
    public override Constraint Support => Constraint.Positive;

    /// <inheritdoc/>
    public override Var LogProb(Var value) => LogProb(value, Scale);

    /// <inheritdoc/>
    protected override double Draw(Rng rng) => Scale * Math.Abs(Math.Tan(Math.PI * (rng.NextOpenDouble() - 0.5)));

    /// <summary>Elementwise log-density of <paramref name="x"/>, differentiable in every argument (arguments broadcast).</summary>
    public static Var LogProb(Var x, Arg scale)
    {
        Check.Positive(scale, nameof(scale));
        if (Ops.StudentTLogDensity(x, 1, 0.0, scale, Math.Log(2) - Cauchy.LogPi) is { } fused)
        {
            return SupportCheck.Restrict(SupportCheck.Restrict(fused, scale, Domain.Positive), x, Domain.NonNegative);
        }

        return SupportCheck.Restrict(Cauchy.LogProb(x, 0.0, scale) + Math.Log(2), x, Domain.NonNegative);
    }
}
