using Inference.Autodiff;
using Inference.Randomness;
using Inference.Transforms;

namespace Inference.Distributions;

/// <summary>Beta(a, b) on (0, 1): (a − 1) log x + (b − 1) log(1 − x) − log B(a, b).</summary>
public sealed class Beta : UnivariateDistribution
{
    /// <summary>Creates the distribution; parameters are checked here.</summary>
    public Beta(double alpha, double beta)
    {
        Alpha = Check.Positive(alpha, nameof(alpha));
        BetaParameter = Check.Positive(beta, nameof(beta));
    }

    /// <summary>The parameter alpha.</summary>
    public double Alpha { get; }

    /// <summary>The parameter beta.</summary>
    public double BetaParameter { get; }

    /// <inheritdoc/>
    public override Constraint Support => Constraint.UnitInterval;

    /// <inheritdoc/>
    public override Var LogProb(Var value) => LogProb(value, Alpha, BetaParameter);

    /// <inheritdoc/>
    protected override double Draw(Rng rng) => MathNet.Numerics.Distributions.Beta.Sample(rng, Alpha, BetaParameter);

    /// <summary>Elementwise log-density of <paramref name="x"/>, differentiable in every argument (arguments broadcast).</summary>
    public static Var LogProb(Var x, Arg alpha, Arg beta)
    {
        Check.Positive(alpha, nameof(alpha));
        Check.Positive(beta, nameof(beta));
        var t = x.Tape;
        var a = alpha.On(t);
        var b = beta.On(t);
        var logBeta = Ops.LGamma(a) + Ops.LGamma(b) - Ops.LGamma(a + b);
        var lp = ((a - 1.0) * Ops.Log(x)) + ((b - 1.0) * Ops.Log1p(-x)) - logBeta;
        return SupportCheck.Restrict(SupportCheck.Restrict(SupportCheck.Restrict(lp, x, Domain.UnitInterval), alpha, Domain.Positive), beta, Domain.Positive);
    }
}
