using Inference.Autodiff;
using Inference.Randomness;
using Inference.Transforms;

namespace Inference.Distributions;

/// <summary>Gumbel(μ, β) (maxima): −log β − z − e^{−z}, z = (x − μ)/β.</summary>
public sealed class Gumbel : UnivariateDistribution
{
    /// <summary>Creates the distribution; parameters are checked here.</summary>
    public Gumbel(double location, double scale)
    {
        Location = Check.Finite(location, nameof(location));
        Scale = Check.Positive(scale, nameof(scale));
    }

    /// <summary>The location μ (the mode).</summary>
    public double Location { get; }

    /// <summary>The scale β.</summary>
    public double Scale { get; }

    /// <inheritdoc/>
    public override Constraint Support => Constraint.Real;

    /// <inheritdoc/>
    public override Var LogProb(Var value) => LogProb(value, Location, Scale);

    /// <inheritdoc/>
    protected override double Draw(Rng rng) => Location - (Scale * Math.Log(rng.Exponential()));

    /// <summary>Elementwise log-density of <paramref name="x"/>, differentiable in every argument (arguments broadcast).</summary>
    public static Var LogProb(Var x, Arg location, Arg scale)
    {
        Check.Finite(location, nameof(location));
        Check.Positive(scale, nameof(scale));
        var t = x.Tape;
        var beta = scale.On(t);
        var z = (x - location.On(t)) / beta;
        var lp = -Ops.Log(beta) - z - Ops.Exp(-z);
        return SupportCheck.Restrict(lp, scale, Domain.Positive);
    }
}
