using Inference.Autodiff;
using Inference.Randomness;
using Inference.Transforms;

namespace Inference.Distributions;

/// <summary>Base of the scalar distributions: a new one supplies its support, log-density and one draw.</summary>
public abstract class UnivariateDistribution : IDistribution
{
    /// <inheritdoc/>
    public abstract Constraint Support { get; }

    /// <inheritdoc/>
    public virtual bool IsDiscrete => false;

    /// <inheritdoc/>
    public abstract Var LogProb(Var value);

    /// <inheritdoc/>
    public void Sample(Rng rng, Span<double> destination)
    {
        ArgumentNullException.ThrowIfNull(rng);
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = Draw(rng);
        }
    }

    /// <summary>One draw.</summary>
    public double Sample(Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        return Draw(rng);
    }

    /// <summary><paramref name="count"/> independent draws.</summary>
    public double[] Sample(Rng rng, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var draws = new double[count];
        Sample(rng, draws);
        return draws;
    }

    /// <summary>One independent draw.</summary>
    protected abstract double Draw(Rng rng);
}
