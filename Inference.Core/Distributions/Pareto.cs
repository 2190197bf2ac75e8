using Inference.Autodiff;
using Inference.Randomness;
using Inference.Transforms;

namespace Inference.Distributions;

/// <summary>Pareto(y_min, α) on [y_min, ∞): log α + α log y_min − (α + 1) log x.</summary>
public sealed class Pareto : UnivariateDistribution
{
    /// <summary>Creates the distribution; parameters are checked here.</summary>
    public Pareto(double minimum, double shape)
    {
        Minimum = Check.Positive(minimum, nameof(minimum));
        Shape = Check.Positive(shape, nameof(shape));
    }

    /// <summary>The scale y_min, the smallest value.</summary>
    public double Minimum { get; }

    /// <summary>The shape (tail index) α.</summary>
    public double Shape { get; }

    /// <inheritdoc/>
    public override Constraint Support => Constraint.GreaterThan(Minimum);

    /// <inheritdoc/>
    public override Var LogProb(Var value) => LogProb(value, Minimum, Shape);

    /// <inheritdoc/>
    protected override double Draw(Rng rng) => Minimum * Math.Exp(rng.Exponential() / Shape);

    /// <summary>Elementwise log-density of <paramref name="x"/>, differentiable in every argument (arguments broadcast).</summary>
    public static Var LogProb(Var x, Arg minimum, Arg shape)
    {
        Check.Positive(minimum, nameof(minimum));
        Check.Positive(shape, nameof(shape));
        var t = x.Tape;
        var alpha = shape.On(t);
        var lp = Ops.Log(alpha) + (alpha * Ops.Log(minimum.On(t))) - ((alpha + 1.0) * Ops.Log(x));
        lp = SupportCheck.Between(lp, x, minimum, double.PositiveInfinity);
        return SupportCheck.Restrict(SupportCheck.Restrict(lp, minimum, Domain.Positive), shape, Domain.Positive);
    }
}
