using Inference.Autodiff;
using Inference.Randomness;
using Inference.Transforms;

namespace Inference.Distributions;

/// <summary>Weibull(k, λ) with shape k and scale λ: log k − log λ + (k − 1) log(x/λ) − (x/λ)ᵏ.</summary>
public sealed class Weibull : UnivariateDistribution
{
    /// <summary>Creates the distribution; parameters are checked here.</summary>
    public Weibull(double shape, double scale)
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
    protected override double Draw(Rng rng) => Scale * Math.Pow(rng.Exponential(), 1 / Shape);

    /// <summary>Elementwise log-density of <paramref name="x"/>, differentiable in every argument (arguments broadcast).</summary>
    public static Var LogProb(Var x, Arg shape, Arg scale)
    {
        Check.Positive(shape, nameof(shape));
        Check.Positive(scale, nameof(scale));
        var t = x.Tape;
        var k = shape.On(t);
        var lam = scale.On(t);
        var logRatio = Ops.Log(x) - Ops.Log(lam);
        var lp = Ops.Log(k) - Ops.Log(lam) + ((k - 1.0) * logRatio) - Ops.Exp(k * logRatio);
        return SupportCheck.Restrict(SupportCheck.Restrict(SupportCheck.Restrict(lp, x, Domain.NonNegative), shape, Domain.Positive), scale, Domain.Positive);
    }
}
