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
}

/// <summary>
/// Hamiltonian Monte Carlo with a fixed integration time (and a jittered step size), Metropolis-corrected;
/// a NaN or too large energy error is a rejected divergence.
/// </summary>
public sealed class StaticHmc : IHamiltonianKernel
{
    private readonly StaticHmcOptions _options;

    /// <summary>Creates the kernel.</summary>
    public StaticHmc(StaticHmcOptions? options = null)
    {
        _options = options ?? new StaticHmcOptions();
        if (!(_options.PathLength > 0) || !(_options.StepSizeJitter >= 0 && _options.StepSizeJitter < 1) || _options.MaxSteps < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "Need a positive path length, a jitter in [0, 1) and MaxSteps ≥ 1.");
        }
    }

    /// <inheritdoc/>
    public string Name => "hmc";

    /// <inheritdoc/>
    public object CreateWorkspace(int dimension) => (new PhasePoint(dimension), new double[dimension]);

    /// <inheritdoc/>
    public Transition Move(PhasePoint state, ILogDensityEvaluator target, HmcParameters parameters, Rng rng, object workspace)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(rng);
        var (z, scratch) = ((PhasePoint, double[]))workspace;
        var metric = parameters.Metric;
        double eps = parameters.StepSize * (1 + (_options.StepSizeJitter * ((2 * rng.NextDouble()) - 1)));
        int steps = Math.Clamp((int)Math.Ceiling(_options.PathLength / eps), 1, _options.MaxSteps);
        z.CopyFrom(state);
        metric.SampleMomentum(rng, z.Momentum, scratch);
        metric.Velocity(z.Momentum, z.Velocity);
        double h0 = z.Hamiltonian;
        int taken = 0;
        bool divergent = false;
        for (; taken < steps; taken++)
        {
            Integrator.Leapfrog(z, target, metric, eps);
            if (z.Hamiltonian - h0 > _options.MaxDeltaH)
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
