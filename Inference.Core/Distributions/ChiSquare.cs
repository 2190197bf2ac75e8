using Inference.Autodiff;
using Inference.Randomness;
using Inference.Transforms;

namespace Inference.Distributions;

/// <summary>χ²(ν): −(ν/2) log 2 − log Γ(ν/2) + (ν/2 − 1) log x − x/2.</summary>
public sealed class ChiSquare : UnivariateDistribution
{
    /// <summary>Creates the distribution; parameters are checked here.</summary>
    public ChiSquare(double degreesOfFreedom)
    {
        DegreesOfFreedom = Check.Positive(degreesOfFreedom, nameof(degreesOfFreedom));
    }

    /// <summary>The degrees of freedom ν.</summary>
    public double DegreesOfFreedom { get; }

    /// <inheritdoc/>
    public override Constraint Support => Constraint.Positive;

    /// <inheritdoc/>
    public override Var LogProb(Var value) => LogProb(value, DegreesOfFreedom);

    /// <inheritdoc/>
    protected override double Draw(Rng rng) => MathNet.Numerics.Distributions.Gamma.Sample(rng, DegreesOfFreedom / 2, 0.5);

    /// <summary>Elementwise log-density of <paramref name="x"/>, differentiable in every argument (arguments broadcast).</summary>
    public static Var LogProb(Var x, Arg degreesOfFreedom)
    {
        Check.Positive(degreesOfFreedom, nameof(degreesOfFreedom));
        var half = 0.5 * degreesOfFreedom.On(x.Tape);
        var lp = (-Math.Log(2) * half) - Ops.LGamma(half) + ((half - 1.0) * Ops.Log(x)) - (0.5 * x);
        return SupportCheck.Restrict(SupportCheck.Restrict(lp, x, Domain.NonNegative), degreesOfFreedom, Domain.Positive);
    }
}
