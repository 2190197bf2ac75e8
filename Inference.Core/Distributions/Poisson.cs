using Inference.Autodiff;
using Inference.Randomness;
using Inference.Transforms;

namespace Inference.Distributions;

/// <summary>Poisson(λ): x log λ − λ − log x!.</summary>
public sealed class Poisson : UnivariateDistribution
{
    /// <summary>Creates the distribution; parameters are checked here.</summary>
    public Poisson(double rate)
    {
        Rate = Check.Positive(rate, nameof(rate));
    }

    /// <summary>The parameter rate.</summary>
    public double Rate { get; }

    /// <inheritdoc/>
    public override Constraint Support => Constraint.GreaterThan(-0.5);

    /// <inheritdoc/>
    public override bool IsDiscrete => true;

    /// <inheritdoc/>
    public override Var LogProb(Var value) => LogProb(value, Rate);

    /// <inheritdoc/>
    protected override double Draw(Rng rng) => MathNet.Numerics.Distributions.Poisson.Sample(rng, Rate);

    /// <summary>Elementwise log-density of <paramref name="x"/>, differentiable in every argument (arguments broadcast).</summary>
    public static Var LogProb(Var x, Arg rate)
    {
        Check.Positive(rate, nameof(rate));
        var t = x.Tape;
        var lambda = rate.On(t);
        var lp = (x * Ops.Log(lambda)) - lambda - Ops.LGamma(x + 1.0);
        return SupportCheck.Restrict(SupportCheck.Restrict(lp, x, Domain.Counts), rate, Domain.Positive);
    }

    /// <summary>Poisson with log-rate η: xη − eᶯ − log x!.</summary>
    public static Var LogProbLogRate(Var x, Arg logRate)
    {
        var eta = logRate.On(x.Tape);
        return SupportCheck.Restrict((x * eta) - Ops.Exp(eta) - Ops.LGamma(x + 1.0), x, Domain.Counts);
    }
}
