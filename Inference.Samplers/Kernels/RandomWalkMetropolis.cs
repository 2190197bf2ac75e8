using Inference.Densities;
using Inference.Randomness;
using Inference.Samplers.Hamiltonian;

namespace Inference.Samplers.Kernels;

/// <summary>
/// Random-walk Metropolis: x′ = x + εξ with ξ ~ N(0, A) (A the adapted inverse metric, a covariance estimate);
/// the scale ε is adapted during warmup towards acceptance 0.234. Uses no gradient in its proposal (the
/// state's gradient is still kept for the runner).
/// </summary>
public sealed class RandomWalkMetropolis : IHamiltonianKernel
{
    /// <inheritdoc/>
    public string Name => "rwm";

    /// <inheritdoc/>
    public double DefaultTargetAcceptance => 0.234;

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
        var w = (ProposalWorkspace)workspace;
        var proposal = w.Proposal;
        parameters.Metric.SampleMomentum(rng, w.Noise, w.Scratch);
        parameters.Metric.Velocity(w.Noise, w.Step);
        for (int i = 0; i < state.Position.Length; i++)
        {
            proposal.Position[i] = state.Position[i] + (parameters.StepSize * w.Step[i]);
        }

        proposal.LogDensity = target.LogDensityAndGradient(proposal.Position, proposal.Gradient);
        double logRatio = proposal.LogDensity - state.LogDensity;
        return ProposalWorkspace.Decide(state, proposal, logRatio, parameters.StepSize, rng);
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
