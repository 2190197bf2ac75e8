using Inference.Densities;
using Inference.Randomness;
using Inference.Samplers.Hamiltonian;
using Inference.Samplers.Kernels;

namespace Inference.Samplers.Adaptation;

/// <summary>Warmup that tunes nothing (for kernels without tunables, such as independence Metropolis–Hastings); warmup iterations still move the chains.</summary>
public sealed class NoAdaptation : IWarmupAdaptation, IWarmupAdapter
{
    private NoAdaptation()
    {
    }

    /// <summary>The instance.</summary>
    public static NoAdaptation Instance { get; } = new();

    /// <inheritdoc/>
    public IWarmupAdapter CreateAdapter(WarmupSetup setup) => this;

    /// <inheritdoc/>
    public void Start(PhasePoint state, KernelParameters parameters, ILogDensityEvaluator target, Rng rng)
    {
    }

    /// <inheritdoc/>
    public void Update(int iteration, PhasePoint state, in Transition transition, KernelParameters parameters, ILogDensityEvaluator target, Rng rng)
    {
    }

    /// <inheritdoc/>
    public void Finish(KernelParameters parameters)
    {
    }
}
