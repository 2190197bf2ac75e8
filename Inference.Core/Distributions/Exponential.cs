using Inference.Autodiff;
using Inference.Randomness;
using Inference.Transforms;

namespace Inference.Distributions;

/// <summary>Exponential(λ) (rate): log λ − λx.</summary>
public sealed class Exponential : UnivariateDistribution
{
    /// <summary>Creates the distribution; parameters are checked here.</summary>
    public Exponential(double rate)
    {
        Rate = Check.Positive(rate, nameof(rate));
    }

    /// <summary>The parameter rate.</summary>
    public double Rate { get; }

    /// <inheritdoc/>
    public override Constraint Support => Constraint.Positive;

    /// <inheritdoc/>
    public override Var LogProb(Var value) => LogProb(value, Rate);

    /// <inheritdoc/>
    protected override double Draw(Rng rng) => rng.Exponential() / Rate;

    /// <summary>Elementwise log-density of <paramref name="x"/>, differentiable in every argument (arguments broadcast).</summary>
    public static Var LogProb(Var x, Arg rate)
    {
        Check.Positive(rate, nameof(rate));
        var t = x.Tape;
        var lambda = rate.On(t);
        var lp = Ops.Log(lambda) - (lambda * x);
        return SupportCheck.Restrict(SupportCheck.Restrict(lp, x, Domain.NonNegative), rate, Domain.Positive);
    }
}
