using Inference.Autodiff;
using Inference.Randomness;
using Inference.Transforms;

namespace Inference.Distributions;

/// <summary>Logistic(μ, s): −z − log s − 2 log(1 + e^−z), z = (x − μ)/s.</summary>
public sealed class Logistic : UnivariateDistribution
{
    /// <summary>Creates the distribution; parameters are checked here.</summary>
    public Logistic(double location, double scale)
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
    protected override double Draw(Rng rng)
    {
        double u = rng.NextOpenDouble();
        return Location + (Scale * (Math.Log(u) - Math.Log(1 - u)));
    }

    /// <summary>Elementwise log-density of <paramref name="x"/>, differentiable in every argument (arguments broadcast).</summary>
    public static Var LogProb(Var x, Arg location, Arg scale)
    {
        Check.Finite(location, nameof(location));
        Check.Positive(scale, nameof(scale));
        var t = x.Tape;
        var s = scale.On(t);
        var z = (x - location.On(t)) / s;
        var lp = -z - Ops.Log(s) - (2.0 * Ops.Softplus(-z));
        return SupportCheck.Restrict(lp, scale, Domain.Positive);
    }
}
