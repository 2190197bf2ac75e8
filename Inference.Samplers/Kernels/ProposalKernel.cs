using Inference.Densities;
using Inference.Randomness;
using Inference.Samplers.Adaptation;
using Inference.Samplers.Hamiltonian;

namespace Inference.Samplers.Kernels;

/// <summary>
/// Base of the Metropolis–Hastings proposal kernels (RWM, MALA): a kernel fills in a proposal and returns its
/// log acceptance ratio; the base accepts or rejects. Their scale is adapted by Robbins–Monro during warmup. The
/// hierarchy is closed (the constructor is private to this assembly): a new proposal kernel implements
/// <see cref="IMcmcKernel"/> directly.
/// </summary>
public abstract class ProposalKernel : IMcmcKernel
{
    private protected ProposalKernel(KernelInfo info) => Info = info;

    /// <inheritdoc/>
    public KernelInfo Info { get; }

    /// <summary>Robbins–Monro on the log scale within Stan's windows: per-iteration acceptance is too noisy for dual averaging's short windows.</summary>
    public IWarmupAdaptation DefaultAdaptation => StanWarmup.RobbinsMonro;

    /// <inheritdoc/>
    public IChainKernel CreateChain(int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        return new Chain(this, new ProposalWorkspace(dimension));
    }

    /// <summary>Fills <c>workspace.Proposal</c> (position, log-density, gradient) and returns log α before the min(1, ·).</summary>
    internal abstract double Propose(PhasePoint state, ILogDensityEvaluator target, KernelParameters parameters, Rng rng, ProposalWorkspace workspace);

    private sealed class Chain(ProposalKernel kernel, ProposalWorkspace workspace) : IChainKernel
    {
        public Transition Move(PhasePoint state, ILogDensityEvaluator target, KernelParameters parameters, Rng rng)
        {
            ArgumentNullException.ThrowIfNull(state);
            ArgumentNullException.ThrowIfNull(target);
            ArgumentNullException.ThrowIfNull(parameters);
            ArgumentNullException.ThrowIfNull(rng);
            double logRatio = kernel.Propose(state, target, parameters, rng, workspace);
            return ProposalWorkspace.Decide(state, workspace.Proposal, logRatio, parameters.StepSize, rng);
        }
    }
}

/// <summary>Buffers and the accept/reject step shared by the proposal kernels.</summary>
internal sealed class ProposalWorkspace(int dimension)
{
    public PhasePoint Proposal { get; } = new(dimension);

    public double[] Noise { get; } = new double[dimension];

    public double[] Step { get; } = new double[dimension];

    public double[] Scratch { get; } = new double[dimension];

    public double[] Drift { get; } = new double[dimension];

    /// <summary>Metropolis–Hastings: accept with probability min(1, e^logRatio); a non-finite proposal is a rejected divergence.</summary>
    public static Transition Decide(PhasePoint state, PhasePoint proposal, double logRatio, double stepSize, Rng rng)
    {
        bool finite = double.IsFinite(proposal.LogDensity) && double.IsFinite(logRatio);
        double accept = finite ? Math.Min(1, Math.Exp(logRatio)) : 0;
        if (finite && rng.NextDouble() < accept)
        {
            proposal.Position.CopyTo(state.Position, 0);
            proposal.Gradient.CopyTo(state.Gradient, 0);
            state.LogDensity = proposal.LogDensity;
        }

        return new Transition(state.LogDensity, accept, stepSize, 0, 1, !finite, -state.LogDensity);
    }
}
