using Inference.Autodiff;
using Inference.Randomness;
using Inference.Transforms;

namespace Inference.Distributions;

/// <summary>Inverse-gamma(α, β) with shape α and scale β: α log β − log Γ(α) − (α + 1) log x − β/x.</summary>
public sealed class InverseGamma : UnivariateDistribution
{
    /// <summary>Creates the distribution; parameters are checked here.</summary>
    public InverseGamma(double shape, double scale)
    {
        Shape = Check.Positive(shape, nameof(shape));
        Scale = Check.Positive(scale, nameof(scale));
    }

    /// <summary>The parameter shape.</summary>
    public double Shape { get; }

    /// <summary>The parameter scale.</summary>
    public double Scale { get; }

    /// <inheritdoc/>
    public override Constraint Support => Constraint.Positive;

    /// <inheritdoc/>
    public override Var LogProb(Var value) => LogProb(value, Shape, Scale);

    /// <inheritdoc/>
    protected override double Draw(Rng rng) => 1 / MathNet.Numerics.Distributions.Gamma.Sample(rng, Shape, Scale);

    /// <summary>Elementwise log-density of <paramref name="x"/>, differentiable in every argument (arguments broadcast).</summary>
    public static Var LogProb(Var x, Arg shape, Arg scale)
    {
        Check.Positive(shape, nameof(shape));
        Check.Positive(scale, nameof(scale));
        var t = x.Tape;
        var a = shape.On(t);
        var b = scale.On(t);
        var lp = (a * Ops.Log(b)) - Ops.LGamma(a) - ((a + 1.0) * Ops.Log(x)) - (b / x);
        return SupportCheck.Restrict(SupportCheck.Restrict(SupportCheck.Restrict(lp, x, Domain.Positive), shape, Domain.Positive), scale, Domain.Positive);
    }
}
