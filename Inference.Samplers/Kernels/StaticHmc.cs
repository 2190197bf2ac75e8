using Inference.Densities;
using Inference.Randomness;
using Inference.Samplers.Hamiltonian;

namespace Inference.Samplers.Kernels;

/// <summary>Options of static HMC.</summary>
public sealed class StaticHmcOptions
{
    /// <summary>Integration time λ: the number of leapfrog steps is ⌈λ/ε⌉ (Stan's default 2π).</summary>
    public double PathLength { get; init; } = 2 * Math.PI;

    /// <summary>Uniform relative jitter of the step size, ε(1 + j(2u − 1)) (breaks periodic orbits).</summary>
    public double StepSizeJitter { get; init; } = 0.1;

    /// <summary>Energy error above which the trajectory counts as divergent.</summary>
    public double MaxDeltaH { get; init; } = 1000;

    /// <summary>Cap on leapfrog steps per transition.</summary>
    public int MaxSteps { get; init; } = 1024;

    /// <summary>Checks the options.</summary>
    public void Validate()
    {
        if (!(PathLength > 0) || double.IsInfinity(PathLength))
        {
            throw new ArgumentOutOfRangeException(nameof(PathLength), PathLength, "Must be positive and finite.");
        }

        if (!(StepSizeJitter >= 0 && StepSizeJitter < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(StepSizeJitter), StepSizeJitter, "Must be in [0, 1).");
        }

        if (!(MaxDeltaH > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDeltaH), MaxDeltaH, "Must be positive.");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxSteps);
    }
}

/// <summary>
/// Hamiltonian Monte Carlo with a fixed integration time (and a jittered step size), Metropolis-corrected;
/// a NaN or too large energy error is a rejected divergence.
/// </summary>
public sealed class StaticHmc : IMcmcKernel
{
    private readonly StaticHmcOptions _options;

    /// <summary>Creates the kernel.</summary>
    public StaticHmc(StaticHmcOptions? options = null)
    {
        _options = options ?? new StaticHmcOptions();
        _options.Validate();
    }

    /// <inheritdoc/>
    public KernelInfo Info { get; } = new("hmc", 0.8);

    /// <summary>The options.</summary>
    public StaticHmcOptions Options => _options;

    /// <inheritdoc/>
    public IChainKernel CreateChain(int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        return new Chain(_options, dimension);
    }

    private sealed class Chain(StaticHmcOptions options, int dimension) : IChainKernel
    {
        private readonly PhasePoint _z = new(dimension);
        private readonly double[] _scratch = new double[dimension];

        public Transition Move(PhasePoint state, ILogDensityEvaluator target, KernelParameters parameters, Rng rng)
        {
            ArgumentNullException.ThrowIfNull(state);
            ArgumentNullException.ThrowIfNull(target);
            ArgumentNullException.ThrowIfNull(parameters);
            ArgumentNullException.ThrowIfNull(rng);
            var z = _z;
            var metric = parameters.Metric;
            double eps = parameters.StepSize * (1 + (options.StepSizeJitter * ((2 * rng.NextDouble()) - 1)));
            int steps = Math.Clamp((int)Math.Ceiling(options.PathLength / eps), 1, options.MaxSteps);
            z.CopyFrom(state);
            metric.SampleMomentum(rng, z.Momentum, _scratch);
            metric.Velocity(z.Momentum, z.Velocity);
            double h0 = z.Hamiltonian;
            int taken = 0;
            bool divergent = false;
            for (; taken < steps; taken++)
            {
                Integrator.Leapfrog(z, target, metric, eps);
                if (z.Hamiltonian - h0 > options.MaxDeltaH)
                {
                    divergent = true;
                    taken++;
                    break;
                }
            }

            double h = z.Hamiltonian;
            double accept = divergent ? 0 : Math.Min(1, Math.Exp(h0 - h));
            if (!divergent && rng.NextDouble() < accept)
            {
                state.CopyFrom(z);
                return new Transition(state.LogDensity, accept, eps, 0, taken, false, h);
            }

            // rejected: the energy is that of the kept position with the momentum that was drawn
            return new Transition(state.LogDensity, accept, eps, 0, taken, divergent, h0);
        }
    }
}
