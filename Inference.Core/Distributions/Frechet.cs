using Inference.Autodiff;
using Inference.Randomness;
using Inference.Transforms;

namespace Inference.Distributions;

/// <summary>Fréchet(α, σ) (inverse Weibull): log α − log σ − (1 + α) log(x/σ) − (x/σ)^{−α}.</summary>
public sealed class Frechet : UnivariateDistribution
{
    /// <summary>Creates the distribution; parameters are checked here.</summary>
    public Frechet(double shape, double scale)
    {
        Shape = Check.Positive(shape, nameof(shape));
        Scale = Check.Positive(scale, nameof(scale));
    }

    /// <summary>The shape α.</summary>
    public double Shape { get; }

    /// <summary>The scale σ.</summary>
    public double Scale { get; }

    /// <inheritdoc/>
    public override Constraint Support => Constraint.Positive;

    /// <inheritdoc/>
    public override Var LogProb(Var value) => LogProb(value, Shape, Scale);

    /// <inheritdoc/>
    protected override double Draw(Rng rng) => Scale * Math.Pow(rng.Exponential(), -1 / Shape);

    /// <summary>Elementwise log-density of <paramref name="x"/>, differentiable in every argument (arguments broadcast).</summary>
    public static Var LogProb(Var x, Arg shape, Arg scale)
    {
        Check.Positive(shape, nameof(shape));
        Check.Positive(scale, nameof(scale));
        var t = x.Tape;
        var alpha = shape.On(t);
        var logSigma = Ops.Log(scale.On(t));
        var logRatio = Ops.Log(x) - logSigma;
        var lp = Ops.Log(alpha) - logSigma - ((alpha + 1.0) * logRatio) - Ops.Exp(-alpha * logRatio);
        return SupportCheck.Restrict(SupportCheck.Restrict(SupportCheck.Restrict(lp, x, Domain.Positive), shape, Domain.Positive), scale, Domain.Positive);
    }
}
