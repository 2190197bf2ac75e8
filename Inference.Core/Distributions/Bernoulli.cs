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

    /// <summary>
    /// The logistic regression's log-likelihood Σᵢ log Bernoulli(yᵢ | logit⁻¹(α + Xᵢβ)) in one node, as Stan's
    /// <c>bernoulli_logit_glm</c>: the same value as <c>Sum(LogProbLogit(y, α + MatMul(X, β)))</c> without storing the N
    /// linear predictors, which makes a batch of draws (VI) cheap on large data. The result is the sum (a scalar, or one
    /// per point of a batch), so a model observing it keeps no pointwise log-likelihood per row.
    /// </summary>
    /// <param name="y">Outcomes [N], data; an outcome other than 0 or 1 makes the log-likelihood −∞.</param>
    /// <param name="x">Predictors [N, k], data.</param>
    /// <param name="alpha">The intercept.</param>
    /// <param name="beta">The coefficients [k].</param>
    public static Var LogProbLogitGlm(Var y, Var x, Arg alpha, Var beta)
    {
        var lp = Ops.BernoulliLogitGlm(y, x, alpha.On(x.Tape), beta);
        foreach (double v in y.Value)
        {
            if (v is not (0 or 1))
            {
                return lp + double.NegativeInfinity;
            }
        }

        return lp;
    }

    /// <summary>Bernoulli with logit η = log(p/(1 − p)): xη − softplus(η), stable for every η.</summary>
    public static Var LogProbLogit(Var x, Arg logit)
    {
        var eta = logit.On(x.Tape);
        return SupportCheck.Restrict((x * eta) - Ops.Softplus(eta), x, Domain.Binary);
    }
}
