using Inference.Autodiff;
using Inference.Randomness;
using Inference.Transforms;

namespace Inference.Distributions;

/// <summary>Laplace(μ, b): −log 2b − |x − μ|/b.</summary>
public sealed class Laplace : UnivariateDistribution
{
    /// <summary>Creates the distribution; parameters are checked here.</summary>
    public Laplace(double location, double scale)
    {
        Location = Check.Finite(location, nameof(location));
        Scale = Check.Positive(scale, nameof(scale));
    }

    /// <summary>The parameter location.</summary>
    public double Location { get; }

    /// <summary>The parameter scale.</summary>
    public double Scale { get; }

    /// <inheritdoc/>
    public override Constraint Support => Constraint.Real;

    /// <inheritdoc/>
    public override Var LogProb(Var value) => LogProb(value, Location, Scale);

    /// <inheritdoc/>
    protected override double Draw(Rng rng) => Location + (Scale * rng.Exponential() * rng.Sign());

    /// <summary>Elementwise log-density of <paramref name="x"/>, differentiable in every argument (arguments broadcast).</summary>
    public static Var LogProb(Var x, Arg location, Arg scale)
    {
        Check.Finite(location, nameof(location));
        Check.Positive(scale, nameof(scale));
        var t = x.Tape;
        var b = scale.On(t);
        var lp = (-Math.Log(2) - Ops.Log(b)) - (Ops.Abs(x - location.On(t)) / b);
        return SupportCheck.Restrict(lp, scale, Domain.Positive);
    }
}
