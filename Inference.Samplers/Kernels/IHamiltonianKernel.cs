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

    /// <summary>The acceptance statistic step-size adaptation aims at by default.</summary>
    double DefaultTargetAcceptance => 0.8;

    /// <summary>
    /// How warmup adapts the step size: Stan's dual averaging (restarted with a fresh step-size search after
    /// each metric update) for Hamiltonian kernels; Robbins–Monro on the log scale, over the whole warmup, for
    /// proposal kernels, whose per-iteration acceptance is too noisy for dual averaging's short windows.
    /// </summary>
    StepSizeAdaptation StepSizeAdaptation => StepSizeAdaptation.DualAveraging;

    /// <summary>Per-chain working memory for this kernel at dimension <paramref name="dimension"/>.</summary>
    object CreateWorkspace(int dimension);

    /// <summary>One transition from <paramref name="state"/>, which is updated in place.</summary>
    Transition Move(PhasePoint state, ILogDensityEvaluator target, HmcParameters parameters, Rng rng, object workspace);
}

/// <summary>How warmup adapts a kernel's step size.</summary>
public enum StepSizeAdaptation
{
    /// <summary>Stan's dual averaging, restarted after every metric update.</summary>
    DualAveraging,

    /// <summary>Robbins–Monro on log ε: log ε ← log ε + m^−0.6 (α − δ), over the whole warmup.</summary>
    RobbinsMonro,
}
