using Inference.Autodiff;
using Inference.Randomness;
using Inference.Transforms;

namespace Inference.Distributions;

/// <summary>Cauchy(μ, σ): −log π − log σ − log(1 + ((x − μ)/σ)²).</summary>
public sealed class Cauchy : UnivariateDistribution
{
    /// <summary>Creates the distribution; parameters are checked here.</summary>
    public Cauchy(double location, double scale)
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
    protected override double Draw(Rng rng) => Location + (Scale * Math.Tan(Math.PI * (rng.NextOpenDouble() - 0.5)));

    internal static readonly double LogPi = Math.Log(Math.PI);

    /// <summary>Elementwise log-density of <paramref name="x"/>, differentiable in every argument (arguments broadcast).</summary>
    public static Var LogProb(Var x, Arg location, Arg scale)
    {
        Check.Finite(location, nameof(location));
        Check.Positive(scale, nameof(scale));
        if (Ops.StudentTLogDensity(x, 1, location, scale, -LogPi) is { } fused)
        {
            return SupportCheck.Restrict(fused, scale, Domain.Positive);
        }

        var t = x.Tape;
        var s = scale.On(t);
        var z = (x - location.On(t)) / s;
        var lp = -Math.Log(Math.PI) - Ops.Log(s) - Ops.Log1p(Ops.Square(z));
        return SupportCheck.Restrict(lp, scale, Domain.Positive);
    }
}
