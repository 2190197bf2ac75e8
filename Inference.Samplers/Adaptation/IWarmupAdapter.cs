using Inference.Densities;
using Inference.Randomness;
using Inference.Samplers.Hamiltonian;
using Inference.Samplers.Kernels;

namespace Inference.Samplers.Adaptation;

/// <summary>
/// A warmup recipe: makes one <see cref="IWarmupAdapter"/> per chain (adapters hold per-chain state). The runner uses
/// <see cref="Running.RunSettings.Adaptation"/> when set, else the kernel's <see cref="IMcmcKernel.DefaultAdaptation"/>.
/// </summary>
public interface IWarmupAdaptation
{
    /// <summary>The adapter of one chain.</summary>
    IWarmupAdapter CreateAdapter(WarmupSetup setup);
}

/// <summary>What an adapter is made for.</summary>
/// <param name="Dimension">The dimension of the sampled space.</param>
/// <param name="Warmup">Warmup iterations.</param>
/// <param name="Metric">The metric to adapt.</param>
/// <param name="TargetAcceptance">δ of step-size adaptation.</param>
public sealed record WarmupSetup(int Dimension, int Warmup, MetricKind Metric, double TargetAcceptance);

/// <summary>
/// One chain's warmup: tunes the kernel's parameters from the chain's own transitions. The runner calls
/// <see cref="Start"/> once before the first warmup iteration, <see cref="Update"/> after each, and
/// <see cref="Finish"/> after the last (not when warmup was cancelled).
/// </summary>
public interface IWarmupAdapter
{
    /// <summary>Sets the parameters warmup starts from (Stan: a step-size search at the initial point).</summary>
    void Start(PhasePoint state, KernelParameters parameters, ILogDensityEvaluator target, Rng rng);

    /// <summary>Learns from warmup iteration <paramref name="iteration"/> (0-based), whose transition left the chain at <paramref name="state"/>.</summary>
    void Update(int iteration, PhasePoint state, in Transition transition, KernelParameters parameters, ILogDensityEvaluator target, Rng rng);

    /// <summary>Sets the parameters sampling uses.</summary>
    void Finish(KernelParameters parameters);
}

/// <summary>Adapts the step size of one chain towards a target acceptance statistic.</summary>
public interface IStepSizeAdapter
{
    /// <summary>The step size the first warmup iteration uses, from <paramref name="stepSize"/> at <paramref name="state"/>.</summary>
    double Start(PhasePoint state, ILogDensityEvaluator target, Metric metric, double stepSize, Rng rng);

    /// <summary>Learns from one iteration's acceptance statistic; returns the step size for the next iteration.</summary>
    double Learn(double acceptStat);

    /// <summary>The metric was just replaced by <paramref name="metric"/>: returns the step size to continue with.</summary>
    double MetricChanged(PhasePoint state, ILogDensityEvaluator target, Metric metric, double stepSize, Rng rng);

    /// <summary>The step size sampling uses.</summary>
    double Final { get; }
}

/// <summary>Estimates one chain's inverse metric from the positions of a window.</summary>
public interface IMetricAdapter
{
    /// <summary>Adds a position to the current window.</summary>
    void Add(ReadOnlySpan<double> position);

    /// <summary>The estimate from the current window; the window is then forgotten.</summary>
    Metric Update();
}
