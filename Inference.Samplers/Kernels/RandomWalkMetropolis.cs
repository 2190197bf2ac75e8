using Inference.Densities;
using Inference.Randomness;
using Inference.Samplers.Hamiltonian;

namespace Inference.Samplers.Kernels;

/// <summary>
/// Random-walk Metropolis: x′ = x + εξ with ξ ~ N(0, A) (A the adapted inverse metric, a covariance estimate);
/// the scale ε is adapted during warmup towards acceptance 0.234. Uses no gradient in its proposal (the
/// state's gradient is still kept for the runner).
/// </summary>
public sealed class RandomWalkMetropolis : ProposalKernel
{
    /// <summary>Creates the kernel.</summary>
    public RandomWalkMetropolis()
        : base(new KernelInfo("rwm", 0.234))
    {
    }

    /// <inheritdoc/>
    internal override double Propose(PhasePoint state, ILogDensityEvaluator target, KernelParameters parameters, Rng rng, ProposalWorkspace workspace)
    {
        var w = workspace;
        var proposal = w.Proposal;
        parameters.Metric.SampleMomentum(rng, w.Noise, w.Scratch);
        parameters.Metric.Velocity(w.Noise, w.Step);
        for (int i = 0; i < state.Position.Length; i++)
        {
            proposal.Position[i] = state.Position[i] + (parameters.StepSize * w.Step[i]);
        }

        proposal.LogDensity = target.LogDensityAndGradient(proposal.Position, proposal.Gradient);
        return proposal.LogDensity - state.LogDensity;
    }
}
