using Inference.Autodiff;
using Inference.Randomness;
using Inference.Transforms;

namespace Inference.Distributions;

/// <summary>Beta-binomial(n, α, β): log C(n, x) + log B(x + α, n − x + β) − log B(α, β), a binomial whose probability is Beta(α, β).</summary>
public sealed class BetaBinomial : UnivariateDistribution
{
    /// <summary>Creates the distribution; parameters are checked here.</summary>
    public BetaBinomial(double trials, double alpha, double beta)
    {
        if (!(double.IsFinite(trials) && trials >= 0 && trials == Math.Floor(trials)))
        {
            throw new ArgumentOutOfRangeException(nameof(trials), trials, "Must be a non-negative whole number.");
        }

        Trials = trials;
        Alpha = Check.Positive(alpha, nameof(alpha));
        BetaParameter = Check.Positive(beta, nameof(beta));
    }

    /// <summary>The number of trials n.</summary>
    public double Trials { get; }

    /// <summary>The prior successes α.</summary>
    public double Alpha { get; }

    /// <summary>The prior failures β.</summary>
    public double BetaParameter { get; }

    /// <inheritdoc/>
    public override Constraint Support => Constraint.Interval(-0.5, Trials + 0.5);

    /// <inheritdoc/>
    public override bool IsDiscrete => true;

    /// <inheritdoc/>
    public override Var LogProb(Var value) => LogProb(value, Trials, Alpha, BetaParameter);

    /// <inheritdoc/>
    protected override double Draw(Rng rng) =>
        MathNet.Numerics.Distributions.Binomial.Sample(rng, MathNet.Numerics.Distributions.Beta.Sample(rng, Alpha, BetaParameter), (int)Trials);

    /// <summary>Elementwise log-mass of <paramref name="x"/>, differentiable in α and β (arguments broadcast).</summary>
    public static Var LogProb(Var x, Arg trials, Arg alpha, Arg beta)
    {
        if (!trials.IsVar && !(trials.ConstantValue >= 0 && trials.ConstantValue == Math.Floor(trials.ConstantValue) && double.IsFinite(trials.ConstantValue)))
        {
            throw new ArgumentOutOfRangeException(nameof(trials), trials.ConstantValue, "Must be a whole number ≥ 0.");
        }

        Check.Positive(alpha, nameof(alpha));
        Check.Positive(beta, nameof(beta));
        var t = x.Tape;
        var n = trials.On(t);
        var a = alpha.On(t);
        var b = beta.On(t);
        var lp = Binomial.LogChoose(n, x) + LogBeta(x + a, n - x + b) - LogBeta(a, b);
        lp = SupportCheck.Between(lp, x, 0.0, trials, integer: true, strictBounds: false);
        return SupportCheck.Restrict(SupportCheck.Restrict(lp, alpha, Domain.Positive), beta, Domain.Positive);
    }

    private static Var LogBeta(Var a, Var b) => Ops.LGamma(a) + Ops.LGamma(b) - Ops.LGamma(a + b);
}
