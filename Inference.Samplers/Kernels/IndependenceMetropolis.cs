using Inference.Densities;
using Inference.Randomness;
using Inference.Samplers.Adaptation;
using Inference.Samplers.Hamiltonian;
using Inference.Samplers.Population;

namespace Inference.Samplers.Kernels;

/// <summary>
/// Independence Metropolis–Hastings: x′ ~ q, accepted with log α = [log p(x′) − log p(x)] − [log q(x′) − log q(x)]. The
/// global move of flowMC (q a trained flow) and of NeuTra's global moves (q = N(0, I) in the flow's base space). With
/// q = p every proposal is accepted. Proposals are drawn in batches (one flow pass for many), dropped when q changes.
/// The step size and metric are not used; warmup adapts nothing.
/// </summary>
public sealed class IndependenceMetropolis : IMcmcKernel
{
    private readonly IProposalDensity _proposal;
    private readonly int _batch;

    /// <summary>Creates the kernel proposing from <paramref name="proposal"/>, <paramref name="batch"/> draws at a time.</summary>
    public IndependenceMetropolis(IProposalDensity proposal, int batch = 16)
    {
        ArgumentNullException.ThrowIfNull(proposal);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        _proposal = proposal;
        _batch = batch;
    }

    /// <inheritdoc/>
    public KernelInfo Info { get; } = new("independence", 0.5);

    /// <inheritdoc/>
    public IWarmupAdaptation DefaultAdaptation => NoAdaptation.Instance;

    /// <inheritdoc/>
    public IChainKernel CreateChain(int dimension)
    {
        if (dimension != _proposal.Dimension)
        {
            throw new ArgumentException($"The proposal has dimension {_proposal.Dimension}; the chain {dimension}.", nameof(dimension));
        }

        return new Chain(_proposal, _proposal.CreateSampler(), dimension, _batch);
    }

    private sealed class Chain(IProposalDensity proposal, IProposalSampler sampler, int d, int batch) : IChainKernel
    {
        private readonly double[] _points = new double[batch * d];
        private readonly double[] _logQ = new double[batch];
        private readonly PhasePoint _candidate = new(d);
        private readonly double[] _known = new double[d];
        private int _next = int.MaxValue;
        private int _version = -1;
        private double _knownLogQ = double.NaN;

        public Transition Move(PhasePoint state, ILogDensityEvaluator target, KernelParameters parameters, Rng rng)
        {
            ArgumentNullException.ThrowIfNull(state);
            ArgumentNullException.ThrowIfNull(target);
            ArgumentNullException.ThrowIfNull(rng);
            if (_version != proposal.Version)
            {
                _version = proposal.Version;
                _next = int.MaxValue;
                _knownLogQ = double.NaN;
            }

            if (_next >= _logQ.Length)
            {
                sampler.Sample(rng, _points, _logQ);
                _next = 0;
            }

            // log q at the current state: known when the chain has not moved since it accepted a proposal
            double logQCurrent = double.IsNaN(_knownLogQ) || !state.Position.AsSpan().SequenceEqual(_known) ? sampler.LogDensity(state.Position) : _knownLogQ;
            var x = _points.AsSpan(_next * d, d);
            double logQProposal = _logQ[_next++];
            x.CopyTo(_candidate.Position);
            _candidate.LogDensity = target.LogDensityAndGradient(_candidate.Position, _candidate.Gradient);
            double logRatio = _candidate.LogDensity - state.LogDensity - logQProposal + logQCurrent;
            bool finite = double.IsFinite(_candidate.LogDensity) && double.IsFinite(logRatio);
            double accept = finite ? Math.Min(1, Math.Exp(logRatio)) : 0;
            if (finite && rng.NextDouble() < accept)
            {
                _candidate.Position.CopyTo(state.Position, 0);
                _candidate.Gradient.CopyTo(state.Gradient, 0);
                state.LogDensity = _candidate.LogDensity;
                state.Position.CopyTo(_known, 0);
                _knownLogQ = logQProposal;
            }
            else
            {
                state.Position.CopyTo(_known, 0);
                _knownLogQ = logQCurrent;
            }

            return new Transition(state.LogDensity, accept, parameters?.StepSize ?? double.NaN, 0, 1, !finite, -state.LogDensity);
        }
    }
}
