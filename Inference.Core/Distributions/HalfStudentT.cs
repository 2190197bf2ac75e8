using Inference.Autodiff;
using Inference.Randomness;
using Inference.Transforms;

namespace Inference.Distributions;

/// <summary>Half-Student-t(ν, σ) on x ≥ 0: twice the t(ν, 0, σ) density.</summary>
public sealed class HalfStudentT : UnivariateDistribution
{
    /// <summary>Creates the distribution; parameters are checked here.</summary>
    public HalfStudentT(double degreesOfFreedom, double scale)
    {
        DegreesOfFreedom = Check.Positive(degreesOfFreedom, nameof(degreesOfFreedom));
        Scale = Check.Positive(scale, nameof(scale));
    }

    /// <summary>The parameter degreesOfFreedom.</summary>
    public double DegreesOfFreedom { get; }

    /// <summary>The parameter scale.</summary>
    public double Scale { get; }

    /// <inheritdoc/>
    public override Constraint Support => Constraint.Positive;

    /// <inheritdoc/>
    public override Var LogProb(Var value) => LogProb(value, DegreesOfFreedom, Scale);

    /// <inheritdoc/>
    protected override double Draw(Rng rng) => Math.Abs(MathNet.Numerics.Distributions.StudentT.Sample(rng, 0, Scale, DegreesOfFreedom));

    /// <summary>Elementwise log-density of <paramref name="x"/>, differentiable in every argument (arguments broadcast).</summary>
    public static Var LogProb(Var x, Arg degreesOfFreedom, Arg scale)
    {
        Check.Positive(degreesOfFreedom, nameof(degreesOfFreedom));
        Check.Positive(scale, nameof(scale));
        return SupportCheck.Restrict(StudentT.LogProb(x, degreesOfFreedom, 0.0, scale) + Math.Log(2), x, Domain.NonNegative);
    }
}
