using Inference.Autodiff;
using Inference.Randomness;
using Inference.Transforms;

namespace Inference.Distributions;

/// <summary>Bernoulli(p) on {0, 1}: x log p + (1 − x) log(1 − p).</summary>
public sealed class Bernoulli : UnivariateDistribution
{
    /// <summary>Creates the distribution; parameters are checked here.</summary>
    public Bernoulli(double probability)
    {
        Probability = Check.Probability(probability, nameof(probability));
    }

    /// <summary>The parameter probability.</summary>
    public double Probability { get; }

    /// <inheritdoc/>
    public override Constraint Support => Constraint.Interval(-0.5, 1.5);

    /// <inheritdoc/>
    public override bool IsDiscrete => true;

    /// <inheritdoc/>
    public override Var LogProb(Var value) => LogProb(value, Probability);

    /// <inheritdoc/>
    protected override double Draw(Rng rng) => rng.NextDouble() < Probability ? 1 : 0;

    /// <summary>Elementwise log-density of <paramref name="x"/>, differentiable in every argument (arguments broadcast).</summary>
    public static Var LogProb(Var x, Arg probability)
    {
        Check.Probability(probability, nameof(probability));
        var t = x.Tape;
        var p = probability.On(t);
        var lp = (x * Ops.Log(p)) + ((1.0 - x) * Ops.Log1p(-p));
        return SupportCheck.Restrict(SupportCheck.Restrict(lp, x, Domain.Binary), probability, Domain.UnitInterval);
    }

    /// <summary>Bernoulli with logit η = log(p/(1 − p)): xη − softplus(η), stable for every η.</summary>
    public static Var LogProbLogit(Var x, Arg logit)
    {
        var eta = logit.On(x.Tape);
        return SupportCheck.Restrict((x * eta) - Ops.Softplus(eta), x, Domain.Binary);
    }
}
