using Inference.Autodiff;
using Inference.Randomness;
using Inference.Transforms;

namespace Inference.Distributions;

/// <summary>Skew-normal(ξ, ω, α) (Azzalini): log 2 − log ω + log φ(z) + log Φ(αz), z = (x − ξ)/ω; α = 0 is Normal(ξ, ω).</summary>
public sealed class SkewNormal : UnivariateDistribution
{
    /// <summary>Creates the distribution; parameters are checked here.</summary>
    public SkewNormal(double location, double scale, double shape)
    {
        Location = Check.Finite(location, nameof(location));
        Scale = Check.Positive(scale, nameof(scale));
        Shape = Check.Finite(shape, nameof(shape));
    }

    /// <summary>The location ξ.</summary>
    public double Location { get; }

    /// <summary>The scale ω.</summary>
    public double Scale { get; }

    /// <summary>The shape (skewness) α.</summary>
    public double Shape { get; }

    /// <inheritdoc/>
    public override Constraint Support => Constraint.Real;

    /// <inheritdoc/>
    public override Var LogProb(Var value) => LogProb(value, Location, Scale, Shape);

    /// <summary>ξ + ω(δ|u₀| + √(1 − δ²)·u₁) with δ = α/√(1 + α²) and u₀, u₁ standard normal.</summary>
    protected override double Draw(Rng rng)
    {
        double delta = Shape / Math.Sqrt(1 + (Shape * Shape));
        double u0 = rng.Normal(), u1 = rng.Normal();
        return Location + (Scale * ((delta * Math.Abs(u0)) + (Math.Sqrt(1 - (delta * delta)) * u1)));
    }

    /// <summary>Elementwise log-density of <paramref name="x"/>, differentiable in every argument (arguments broadcast).</summary>
    public static Var LogProb(Var x, Arg location, Arg scale, Arg shape)
    {
        Check.Finite(location, nameof(location));
        Check.Positive(scale, nameof(scale));
        Check.Finite(shape, nameof(shape));
        var t = x.Tape;
        var omega = scale.On(t);
        var z = (x - location.On(t)) / omega;
        var lp = (-0.5 * Ops.Square(z)) - Ops.Log(omega) + Ops.LogNormalCdf(shape.On(t) * z) + (Math.Log(2) - Normal.HalfLogTwoPi);
        return SupportCheck.Restrict(lp, scale, Domain.Positive);
    }
}
