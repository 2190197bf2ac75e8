using Inference.Densities;
using Inference.Randomness;
using Inference.Samplers.Adaptation;
using Inference.Samplers.Hamiltonian;
using Inference.Samplers.Population;

namespace Inference.Samplers.Kernels;

/// <summary>
/// A local kernel with global independence moves on top: one local transition, then <c>globalSteps</c> independence
/// Metropolis–Hastings moves from a fixed proposal q, and again (each move is one draw). The global moves' proposals are
/// drawn and scored in one batch (no gradients) when the evaluator is an <see cref="IBatchValueEvaluator"/>; an accepted
/// move takes its log-density from the batch, and the gradient is computed once, before the next local transition
/// (which needs it), however many global moves were accepted in between. Every evaluation counts in
/// <see cref="Transition.LeapfrogSteps"/>: the batch as one per point, the deferred gradient as one. In NeuTra's base space q = N(0, I) is the flow itself, so the global moves are
/// cheap flow draws that let the chain jump anywhere the flow puts mass, while the local moves explore the tails the flow
/// misses. Warmup runs the local kernel alone (its step size and metric need every iteration); the cycle starts with
/// sampling.
/// </summary>
public sealed class LocalGlobalKernel : IMcmcKernel
{
    private readonly IMcmcKernel _local;
    private readonly IProposalDensity _proposal;
    private readonly int _globalSteps;

    /// <summary>Alternates one <paramref name="local"/> transition with <paramref name="globalSteps"/> moves proposed by <paramref name="proposal"/>.</summary>
    public LocalGlobalKernel(IMcmcKernel local, IProposalDensity proposal, int globalSteps)
    {
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(proposal);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(globalSteps);
        _local = local;
        _proposal = proposal;
        _globalSteps = globalSteps;
        Info = local.Info with { Name = local.Info.Name + "+global" };
    }

    /// <inheritdoc/>
    public KernelInfo Info { get; }

    /// <summary>The local kernel's.</summary>
    public IWarmupAdaptation DefaultAdaptation => _local.DefaultAdaptation;

    /// <summary>Global moves per local transition.</summary>
    public int GlobalSteps => _globalSteps;

    /// <inheritdoc/>
    public IChainKernel CreateChain(int dimension)
    {
        if (dimension != _proposal.Dimension)
        {
            throw new ArgumentException($"The proposal has dimension {_proposal.Dimension}; the chain {dimension}.", nameof(dimension));
        }

        return new Chain(_local.CreateChain(dimension), _proposal.CreateSampler(), dimension, _globalSteps);
    }

    private sealed class Chain(IChainKernel local, IProposalSampler sampler, int d, int globalSteps) : IWarmupAwareChainKernel
    {
        private readonly double[] _points = new double[globalSteps * d];
        private readonly double[] _logQ = new double[globalSteps];
        private readonly double[] _logP = new double[globalSteps];
        private int _step;
        private bool _sampling;
        // the state's gradient belongs to an earlier position (a global move was accepted since the last local transition)
        private bool _staleGradient;

        public void WarmupEnded()
        {
            _sampling = true;
            _step = 0;
        }

        public Transition Move(PhasePoint state, ILogDensityEvaluator target, KernelParameters parameters, Rng rng)
        {
            ArgumentNullException.ThrowIfNull(state);
            ArgumentNullException.ThrowIfNull(target);
            ArgumentNullException.ThrowIfNull(parameters);
            ArgumentNullException.ThrowIfNull(rng);
            int phase = _step++ % (globalSteps + 1);
            if (phase == 0 || !_sampling)
            {
                if (!_staleGradient)
                {
                    return local.Move(state, target, parameters, rng);
                }

                state.LogDensity = target.LogDensityAndGradient(state.Position, state.Gradient);
                _staleGradient = false;
                var t = local.Move(state, target, parameters, rng);
                return t with { LeapfrogSteps = t.LeapfrogSteps + 1 };
            }

            int evaluations = 0;
            if (phase == 1)
            {
                sampler.Sample(rng, _points, _logQ);
                if (target is IBatchValueEvaluator batch)
                {
                    batch.LogDensityBatch(_points, _logP);
                }
                else
                {
                    for (int i = 0; i < globalSteps; i++)
                    {
                        _logP[i] = target.LogDensity(_points.AsSpan(i * d, d));
                    }
                }

                evaluations = globalSteps;
            }

            int k = phase - 1;
            double logRatio = _logP[k] - state.LogDensity - _logQ[k] + sampler.LogDensity(state.Position);
            double accept = double.IsFinite(logRatio) ? Math.Min(1, Math.Exp(logRatio)) : 0;
            if (accept > 0 && rng.NextDouble() < accept)
            {
                _points.AsSpan(k * d, d).CopyTo(state.Position);
                state.LogDensity = _logP[k];
                _staleGradient = true;
            }

            return new Transition(state.LogDensity, accept, parameters.StepSize, 0, evaluations, false, double.NaN, Local: false);
        }
    }
}
