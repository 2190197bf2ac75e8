using Inference.Autodiff;
using Inference.Randomness;
using Inference.Transforms;

namespace Inference.Distributions;

/// <summary>Rayleigh(σ): log x − 2 log σ − x²/(2σ²).</summary>
public sealed class Rayleigh : UnivariateDistribution
{
    /// <summary>Creates the distribution; parameters are checked here.</summary>
    public Rayleigh(double scale)
    {
        Scale = Check.Positive(scale, nameof(scale));
    }

    /// <summary>The scale σ (the mode).</summary>
    public double Scale { get; }

    /// <inheritdoc/>
    public override Constraint Support => Constraint.Positive;

    /// <inheritdoc/>
    public override Var LogProb(Var value) => LogProb(value, Scale);

    /// <inheritdoc/>
    protected override double Draw(Rng rng) => Scale * Math.Sqrt(2 * rng.Exponential());

    /// <summary>Elementwise log-density of <paramref name="x"/>, differentiable in every argument (arguments broadcast).</summary>
    public static Var LogProb(Var x, Arg scale)
    {
        Check.Positive(scale, nameof(scale));
        var sigma = scale.On(x.Tape);
        var lp = Ops.Log(x) - (2.0 * Ops.Log(sigma)) - (0.5 * Ops.Square(x / sigma));
        return SupportCheck.Restrict(SupportCheck.Restrict(lp, x, Domain.NonNegative), scale, Domain.Positive);
    }
}
