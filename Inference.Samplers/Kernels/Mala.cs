using Inference.Densities;
using Inference.Randomness;
using Inference.Samplers.Hamiltonian;

namespace Inference.Samplers.Kernels;

/// <summary>
/// The Metropolis-adjusted Langevin algorithm, preconditioned by the inverse metric A:
/// x′ = x + (ε²/2)A∇log p(x) + εξ, ξ ~ N(0, A), accepted with the Metropolis–Hastings ratio of the two
/// Langevin proposal densities. The step ε is adapted towards acceptance 0.574 during warmup.
/// </summary>
public sealed class Mala : ProposalKernel
{
    /// <summary>Creates the kernel.</summary>
    public Mala()
        : base(new KernelInfo("mala", 0.574))
    {
    }

    /// <inheritdoc/>
    internal override double Propose(PhasePoint state, ILogDensityEvaluator target, KernelParameters parameters, Rng rng, ProposalWorkspace workspace)
    {
        var w = workspace;
        var metric = parameters.Metric;
        double eps = parameters.StepSize, half = 0.5 * eps * eps;
        int d = state.Position.Length;
        var proposal = w.Proposal;

        // forward proposal: x′ = x + (ε²/2)A∇(x) + εAp, p ~ N(0, A⁻¹) so Ap ~ N(0, A)
        metric.Velocity(state.Gradient, w.Drift);
        metric.SampleMomentum(rng, w.Noise, w.Scratch);
        metric.Velocity(w.Noise, w.Step);
        for (int i = 0; i < d; i++)
        {
            proposal.Position[i] = state.Position[i] + (half * w.Drift[i]) + (eps * w.Step[i]);
        }

        proposal.LogDensity = target.LogDensityAndGradient(proposal.Position, proposal.Gradient);

        // log q(x | x′) − log q(x′ | x), with q(b | a) ∝ exp(−‖b − a − (ε²/2)A∇(a)‖²_{A⁻¹} / (2ε²))
        for (int i = 0; i < d; i++)
        {
            w.Scratch[i] = proposal.Position[i] - state.Position[i] - (half * w.Drift[i]);
        }

        double forward = metric.InverseQuadraticForm(w.Scratch);
        metric.Velocity(proposal.Gradient, w.Drift);
        for (int i = 0; i < d; i++)
        {
            w.Scratch[i] = state.Position[i] - proposal.Position[i] - (half * w.Drift[i]);
        }

        double backward = metric.InverseQuadraticForm(w.Scratch);
        return proposal.LogDensity - state.LogDensity - ((backward - forward) / (2 * eps * eps));
    }
}
