using Inference.Densities;
using Inference.Randomness;
using Inference.Samplers.Hamiltonian;

namespace Inference.Samplers.Kernels;

/// <summary>
/// A Hamiltonian Monte Carlo kernel: moves a chain's state (position with cached log-density and gradient)
/// by one transition. Kernels hold no chain state and no tunables: those come with each call.
/// </summary>
public interface IHamiltonianKernel
{
    /// <summary>Registry name, e.g. "nuts".</summary>
    string Name { get; }

    /// <summary>Per-chain working memory for this kernel at dimension <paramref name="dimension"/>.</summary>
    object CreateWorkspace(int dimension);

    /// <summary>One transition from <paramref name="state"/>, which is updated in place.</summary>
    Transition Move(PhasePoint state, ILogDensityEvaluator target, HmcParameters parameters, Rng rng, object workspace);
}
