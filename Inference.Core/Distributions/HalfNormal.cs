using Inference.Autodiff;
using Inference.Randomness;
using Inference.Transforms;

namespace Inference.Distributions;

/// <summary>Half-normal(σ) on x ≥ 0: twice the Normal(0, σ) density.</summary>
public sealed class HalfNormal : UnivariateDistribution
{
    /// <summary>Creates the distribution; parameters are checked here.</summary>
    public HalfNormal(double scale)
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
    protected override double Draw(Rng rng) => Scale * Math.Abs(rng.Normal());

    /// <summary>Elementwise log-density of <paramref name="x"/>, differentiable in every argument (arguments broadcast).</summary>
    public static Var LogProb(Var x, Arg scale)
    {
        Check.Positive(scale, nameof(scale));
        return SupportCheck.Restrict(Normal.LogProb(x, 0.0, scale) + Math.Log(2), x, Domain.NonNegative);
    }
}
