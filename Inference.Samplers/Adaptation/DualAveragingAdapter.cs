using Inference.Densities;
using Inference.Randomness;
using Inference.Samplers.Hamiltonian;

namespace Inference.Samplers.Adaptation;

/// <summary>
/// Stan's step-size adaptation: a step-size search, then dual averaging with μ = log(10ε); both restart after each
/// metric update; sampling uses exp(x̄).
/// </summary>
public sealed class DualAveragingAdapter : IStepSizeAdapter
{
    private readonly DualAveraging _dual;

    /// <summary>Creates the adapter targeting <paramref name="targetAcceptance"/>.</summary>
    public DualAveragingAdapter(double targetAcceptance) => _dual = new DualAveraging(targetAcceptance);

    /// <inheritdoc/>
    public double Final => _dual.FinalStepSize;

    /// <inheritdoc/>
    /// <remarks>
    /// As Stan's services set it: the first window's μ is log(10ε) for the step size given (before the search), while the
    /// warmup starts from the searched one; after each metric update μ is log(10ε) for the searched step size.
    /// </remarks>
    public double Start(PhasePoint state, ILogDensityEvaluator target, Metric metric, double stepSize, Rng rng)
    {
        _dual.Mu = Math.Log(10 * stepSize);
        _dual.Restart();
        return StepSizeSearch.Find(state, target, metric, stepSize, rng);
    }

    /// <inheritdoc/>
    public double Learn(double acceptStat) => _dual.Learn(acceptStat);

    /// <inheritdoc/>
    public double MetricChanged(PhasePoint state, ILogDensityEvaluator target, Metric metric, double stepSize, Rng rng)
    {
        double eps = StepSizeSearch.Find(state, target, metric, stepSize, rng);
        _dual.Mu = Math.Log(10 * eps);
        _dual.Restart();
        return eps;
    }
}
