using Inference.Densities;
using Inference.Randomness;
using Inference.Samplers.Hamiltonian;
using Inference.Samplers.Kernels;

namespace Inference.Samplers.Adaptation;

/// <summary>
/// Stan's windowed warmup as a recipe: a step-size adapter over the whole warmup, and a Welford metric adapter whose
/// estimate replaces the metric at the end of each slow window of the <see cref="WindowSchedule"/>. A unit metric is
/// not adapted (Stan's adapt_unit_e: the step size alone, without windows).
/// </summary>
/// <param name="stepSize">Makes the step-size adapter from δ.</param>
public sealed class StanWarmup(Func<double, IStepSizeAdapter> stepSize) : IWarmupAdaptation
{
    /// <summary>Stan's: dual averaging, restarted with a step-size search after each metric update.</summary>
    public static StanWarmup DualAveraging { get; } = new(delta => new DualAveragingAdapter(delta));

    /// <summary>Robbins–Monro on the log scale (the proposal kernels').</summary>
    public static StanWarmup RobbinsMonro { get; } = new(delta => new RobbinsMonroAdapter(delta));

    /// <inheritdoc/>
    public IWarmupAdapter CreateAdapter(WarmupSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        return setup.Metric == MetricKind.Unit
            ? new StanWindowAdapter(stepSize(setup.TargetAcceptance), null, new WindowSchedule(0))
            : new StanWindowAdapter(stepSize(setup.TargetAcceptance), new WelfordMetricAdapter(setup.Dimension, setup.Metric == MetricKind.Dense), new WindowSchedule(setup.Warmup));
    }
}

/// <summary>One chain's Stan warmup: <see cref="IStepSizeAdapter"/> every iteration, <see cref="IMetricAdapter"/> in the slow windows.</summary>
/// <param name="stepSize">The step-size adapter.</param>
/// <param name="metric">The metric adapter (null: the metric is kept).</param>
/// <param name="schedule">Where the slow windows are.</param>
public sealed class StanWindowAdapter(IStepSizeAdapter stepSize, IMetricAdapter? metric, WindowSchedule schedule) : IWarmupAdapter
{
    /// <inheritdoc/>
    public void Start(PhasePoint state, KernelParameters parameters, ILogDensityEvaluator target, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.StepSize = stepSize.Start(state, target, parameters.Metric, parameters.StepSize, rng);
    }

    /// <inheritdoc/>
    public void Update(int iteration, PhasePoint state, in Transition transition, KernelParameters parameters, ILogDensityEvaluator target, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(parameters);
        if (transition.Local)
        {
            parameters.StepSize = stepSize.Learn(transition.AcceptStat);
        }

        if (metric is null)
        {
            return;
        }

        if (schedule.InWindow(iteration))
        {
            metric.Add(state.Position);
        }

        if (schedule.EndsWindow(iteration))
        {
            parameters.Metric = metric.Update();
            parameters.StepSize = stepSize.MetricChanged(state, target, parameters.Metric, parameters.StepSize, rng);
        }
    }

    /// <inheritdoc/>
    public void Finish(KernelParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.StepSize = stepSize.Final;
    }
}
