using Inference.Autodiff;
using Inference.Randomness;
using Inference.Transforms;

namespace Inference.Distributions;

/// <summary>Gamma(α, β) with shape α and rate β: α log β − log Γ(α) + (α − 1) log x − βx.</summary>
public sealed class Gamma : UnivariateDistribution
{
    /// <summary>Creates the distribution; parameters are checked here.</summary>
    public Gamma(double shape, double rate)
    {
        Shape = Check.Positive(shape, nameof(shape));
        Rate = Check.Positive(rate, nameof(rate));
    }

    /// <summary>The parameter shape.</summary>
    public double Shape { get; }

    /// <summary>The parameter rate.</summary>
    public double Rate { get; }

    /// <inheritdoc/>
    public override Constraint Support => Constraint.Positive;

    /// <inheritdoc/>
    public override Var LogProb(Var value) => LogProb(value, Shape, Rate);

    /// <inheritdoc/>
    protected override double Draw(Rng rng) => MathNet.Numerics.Distributions.Gamma.Sample(rng, Shape, Rate);

    /// <summary>Elementwise log-density of <paramref name="x"/>, differentiable in every argument (arguments broadcast).</summary>
    public static Var LogProb(Var x, Arg shape, Arg rate)
    {
        Check.Positive(shape, nameof(shape));
        Check.Positive(rate, nameof(rate));
        var t = x.Tape;
        var a = shape.On(t);
        var b = rate.On(t);
        var lp = (a * Ops.Log(b)) - Ops.LGamma(a) + ((a - 1.0) * Ops.Log(x)) - (b * x);
        return SupportCheck.Restrict(SupportCheck.Restrict(SupportCheck.Restrict(lp, x, Domain.NonNegative), shape, Domain.Positive), rate, Domain.Positive);
    }
}
