using Inference.Densities;
using Inference.Randomness;
using Inference.Samplers.Adaptation;
using Inference.Samplers.Hamiltonian;

namespace Inference.Samplers.Kernels;

/// <summary>
/// An MCMC kernel: a recipe that makes one <see cref="IChainKernel"/> per chain. The kernel itself holds no chain
/// state, so one instance serves every chain of a run (and a population of chains sharing, say, one flow).
/// </summary>
public interface IMcmcKernel
{
    /// <summary>What the kernel is, for the run record (its registry name, default acceptance target, tree depth).</summary>
    KernelInfo Info { get; }

    /// <summary>
    /// How warmup adapts this kernel unless the caller chooses otherwise (<see cref="Running.RunSettings.Adaptation"/>):
    /// Stan's windows with dual averaging for Hamiltonian kernels.
    /// </summary>
    IWarmupAdaptation DefaultAdaptation => StanWarmup.DualAveraging;

    /// <summary>The per-chain kernel at dimension <paramref name="dimension"/>, owning its buffers.</summary>
    IChainKernel CreateChain(int dimension);
}

/// <summary>One chain's kernel: moves the chain's state by one transition, reusing buffers it owns (not thread-safe).</summary>
public interface IChainKernel
{
    /// <summary>One transition from <paramref name="state"/> (position with cached log-density and gradient), updated in place.</summary>
    Transition Move(PhasePoint state, ILogDensityEvaluator target, KernelParameters parameters, Rng rng);
}

/// <summary>A chain kernel that behaves differently once warmup is over (the runner tells it when sampling starts).</summary>
public interface IWarmupAwareChainKernel : IChainKernel
{
    /// <summary>Warmup has ended (or there was none): the next move is the first sampling move.</summary>
    void WarmupEnded();
}

/// <summary>How a kernel describes itself.</summary>
/// <param name="Name">Registry name, e.g. "nuts" (<see cref="KernelCatalog"/>).</param>
/// <param name="DefaultTargetAcceptance">The acceptance statistic step-size adaptation aims at by default.</param>
/// <param name="MaxTreeDepth">NUTS's maximum tree depth; 0 for kernels without a tree.</param>
public sealed record KernelInfo(string Name, double DefaultTargetAcceptance, int MaxTreeDepth = 0);
