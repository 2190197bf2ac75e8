using Inference.Densities;
using Inference.Randomness;
using Inference.Samplers.Hamiltonian;

namespace Inference.Samplers.Kernels;

/// <summary>
/// Base of the Metropolis–Hastings proposal kernels (RWM, MALA): a kernel fills in a proposal and returns its
/// log acceptance ratio; the base checks arguments and accepts or rejects. Their scale is adapted by
/// Robbins–Monro during warmup.
/// </summary>
public abstract class ProposalKernel : IHamiltonianKernel
{
    /// <inheritdoc/>
    public abstract string Name { get; }

    /// <inheritdoc/>
    public abstract double DefaultTargetAcceptance { get; }

    /// <inheritdoc/>
    public StepSizeAdaptation StepSizeAdaptation => StepSizeAdaptation.RobbinsMonro;

    /// <inheritdoc/>
    public object CreateWorkspace(int dimension) => new ProposalWorkspace(dimension);

    /// <inheritdoc/>
    public Transition Move(PhasePoint state, ILogDensityEvaluator target, HmcParameters parameters, Rng rng, object workspace)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(rng);
        var w = workspace as ProposalWorkspace ?? throw new ArgumentException("The workspace was not created by this kernel.", nameof(workspace));
        double logRatio = Propose(state, target, parameters, rng, w);
        return ProposalWorkspace.Decide(state, w.Proposal, logRatio, parameters.StepSize, rng);
    }

    /// <summary>Fills <c>workspace.Proposal</c> (position, log-density, gradient) and returns log α before the min(1, ·).</summary>
    internal abstract double Propose(PhasePoint state, ILogDensityEvaluator target, HmcParameters parameters, Rng rng, ProposalWorkspace workspace);
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
