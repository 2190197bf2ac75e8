using Inference.Randomness;

namespace Inference.Samplers.Population;

/// <summary>
/// A density on ℝᵈ that can be sampled and evaluated exactly: the proposal of independence Metropolis–Hastings (a
/// trained flow, a Gaussian). One instance is shared by a population of chains; each chain draws and evaluates through
/// its own <see cref="IProposalSampler"/>.
/// </summary>
public interface IProposalDensity
{
    /// <summary>The dimension d.</summary>
    int Dimension { get; }

    /// <summary>Changes whenever the density changes (a refit), so samplers drop what they drew before.</summary>
    int Version { get; }

    /// <summary>A new sampler (not thread-safe: one per chain).</summary>
    IProposalSampler CreateSampler();
}

/// <summary>Draws from and evaluates one <see cref="IProposalDensity"/>; owns its buffers.</summary>
public interface IProposalSampler
{
    /// <summary>
    /// Draws <paramref name="logDensities"/>.Length points into the rows of <paramref name="points"/> (count × d) and
    /// writes log q of each; draws come from <paramref name="rng"/> only.
    /// </summary>
    void Sample(Rng rng, Span<double> points, Span<double> logDensities);

    /// <summary>log q(x), exact (the same arithmetic as <see cref="Sample"/>'s values).</summary>
    double LogDensity(ReadOnlySpan<double> x);
}

/// <summary>A proposal density that can be refitted to points (forward KL: maximum likelihood), continuing from its current fit.</summary>
public interface ITrainableProposal : IProposalDensity
{
    /// <summary>Refits to the rows of <paramref name="points"/> (count × d); increments <see cref="IProposalDensity.Version"/>.</summary>
    /// <returns>The mean log q of the points after the refit (held out where the implementation holds out).</returns>
    double Refit(ReadOnlySpan<double> points, ulong seed, CancellationToken cancellationToken = default);
}
