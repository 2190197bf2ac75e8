using Inference.Autodiff;
using Inference.Randomness;
using Inference.Transforms;

namespace Inference.Distributions;

/// <summary>Student's t(ν, μ, σ).</summary>
public sealed class StudentT : UnivariateDistribution
{
    /// <summary>Creates the distribution; parameters are checked here.</summary>
    public StudentT(double degreesOfFreedom, double location, double scale)
    {
        DegreesOfFreedom = Check.Positive(degreesOfFreedom, nameof(degreesOfFreedom));
        Location = Check.Finite(location, nameof(location));
        Scale = Check.Positive(scale, nameof(scale));
    }

    /// <summary>The parameter degreesOfFreedom.</summary>
    public double DegreesOfFreedom { get; }

    /// <summary>The parameter location.</summary>
    public double Location { get; }

    /// <summary>The parameter scale.</summary>
    public double Scale { get; }

    /// <inheritdoc/>
    public override Constraint Support => Constraint.Real;

    /// <inheritdoc/>
    public override Var LogProb(Var value) => LogProb(value, DegreesOfFreedom, Location, Scale);

    /// <inheritdoc/>
    protected override double Draw(Rng rng) => MathNet.Numerics.Distributions.StudentT.Sample(rng, Location, Scale, DegreesOfFreedom);

    /// <summary>Elementwise log-density of <paramref name="x"/>, differentiable in every argument (arguments broadcast).</summary>
    public static Var LogProb(Var x, Arg degreesOfFreedom, Arg location, Arg scale)
    {
        Check.Positive(degreesOfFreedom, nameof(degreesOfFreedom));
        Check.Finite(location, nameof(location));
        Check.Positive(scale, nameof(scale));
        if (!degreesOfFreedom.IsVar)
        {
            double v = degreesOfFreedom.ConstantValue;
            double c = Inference.Autodiff.Kernels.SpecialFunctions.LogAbsGamma((0.5 * v) + 0.5) - Inference.Autodiff.Kernels.SpecialFunctions.LogAbsGamma(0.5 * v) - (0.5 * Math.Log(v * Math.PI));
            if (Ops.StudentTLogDensity(x, v, location, scale, c) is { } fused)
            {
                return SupportCheck.Restrict(fused, scale, Domain.Positive);
            }
        }

        var t = x.Tape;
        var nu = degreesOfFreedom.On(t);
        var s = scale.On(t);
        var z = (x - location.On(t)) / s;
        var half = 0.5 * nu;
        var lp = Ops.LGamma(half + 0.5) - Ops.LGamma(half) - (0.5 * Ops.Log(nu * Math.PI)) - Ops.Log(s) - ((half + 0.5) * Ops.Log1p(Ops.Square(z) / nu));
        return SupportCheck.Restrict(SupportCheck.Restrict(lp, degreesOfFreedom, Domain.Positive), scale, Domain.Positive);
    }
}
