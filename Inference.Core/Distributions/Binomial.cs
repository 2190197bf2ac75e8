using Inference.Autodiff;
using Inference.Randomness;
using Inference.Transforms;

namespace Inference.Distributions;

/// <summary>Binomial(n, p): log C(n, x) + x log p + (n − x) log(1 − p).</summary>
public sealed class Binomial : UnivariateDistribution
{
    /// <summary>Creates the distribution; parameters are checked here.</summary>
    public Binomial(double trials, double probability)
    {
        if (!(double.IsFinite(trials) && trials >= 0 && trials == Math.Floor(trials)))
        {
            throw new ArgumentOutOfRangeException(nameof(trials), trials, "Must be a non-negative whole number.");
        }

        Trials = trials;
        Probability = Check.Probability(probability, nameof(probability));
    }

    /// <summary>The parameter trials.</summary>
    public double Trials { get; }

    /// <summary>The parameter probability.</summary>
    public double Probability { get; }

    /// <inheritdoc/>
    public override Constraint Support => Constraint.Interval(-0.5, Trials + 0.5);

    /// <inheritdoc/>
    public override bool IsDiscrete => true;

    /// <inheritdoc/>
    public override Var LogProb(Var value) => LogProb(value, Trials, Probability);

    /// <inheritdoc/>
    protected override double Draw(Rng rng) => MathNet.Numerics.Distributions.Binomial.Sample(rng, Probability, (int)Trials);

    /// <summary>Elementwise log-density of <paramref name="x"/>, differentiable in every argument (arguments broadcast).</summary>
    public static Var LogProb(Var x, Arg trials, Arg probability)
    {
        CheckTrials(trials);
        Check.Probability(probability, nameof(probability));
        var t = x.Tape;
        var n = trials.On(t);
        var p = probability.On(t);
        var lp = LogChoose(n, x) + (x * Ops.Log(p)) + ((n - x) * Ops.Log1p(-p));
        return SupportCheck.Restrict(SupportCheck.Between(lp, x, 0.0, trials, integer: true, strictBounds: false), probability, Domain.UnitInterval);
    }

    /// <summary>Binomial with logit η: log C(n, x) + xη − n softplus(η).</summary>
    public static Var LogProbLogit(Var x, Arg trials, Arg logit)
    {
        CheckTrials(trials);
        var t = x.Tape;
        var n = trials.On(t);
        var eta = logit.On(t);
        var lp = LogChoose(n, x) + (x * eta) - (n * Ops.Softplus(eta));
        return SupportCheck.Between(lp, x, 0.0, trials, integer: true, strictBounds: false);
    }

    private static void CheckTrials(Arg trials)
    {
        if (!trials.IsVar && !(trials.ConstantValue >= 0 && trials.ConstantValue == Math.Floor(trials.ConstantValue) && double.IsFinite(trials.ConstantValue)))
        {
            throw new ArgumentOutOfRangeException(nameof(trials), trials.ConstantValue, "Must be a whole number ≥ 0.");
        }
    }

    internal static Var LogChoose(Var n, Var k) => Ops.LGamma(n + 1.0) - Ops.LGamma(k + 1.0) - Ops.LGamma(n - k + 1.0);
}
