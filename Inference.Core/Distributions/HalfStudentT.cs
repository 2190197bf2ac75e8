using Inference.Autodiff;
using Inference.Randomness;
using Inference.Transforms;

namespace Inference.Distributions;

/// <summary>Half-Student-t(ν, σ) on x ≥ 0: twice the t(ν, 0, σ) density.</summary>
public sealed class HalfStudentT : IDistribution
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
    public Constraint Support => Constraint.Positive;

    /// <inheritdoc/>
    public bool IsDiscrete => false;

    /// <inheritdoc/>
    public Var LogProb(Var value) => LogProb(value, DegreesOfFreedom, Scale);

    /// <inheritdoc/>
    public void Sample(Rng rng, Span<double> destination)
    {
        ArgumentNullException.ThrowIfNull(rng);
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = Math.Abs(MathNet.Numerics.Distributions.StudentT.Sample(rng, 0, Scale, DegreesOfFreedom));
        }
    }

    /// <summary>Elementwise log-density of <paramref name="x"/>, differentiable in every argument (arguments broadcast).</summary>
    public static Var LogProb(Var x, Arg degreesOfFreedom, Arg scale)
    {
        return StudentT.LogProb(x, degreesOfFreedom, 0.0, scale) + Math.Log(2);
    }
}
