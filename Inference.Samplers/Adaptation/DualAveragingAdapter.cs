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
    public double Start(PhasePoint state, ILogDensityEvaluator target, Metric metric, double stepSize, Rng rng)
    {
        double eps = StepSizeSearch.Find(state, target, metric, stepSize, rng);
        _dual.Mu = Math.Log(10 * eps);
        _dual.Restart();
        return eps;
    }

    /// <inheritdoc/>
    public double Learn(double acceptStat) => _dual.Learn(acceptStat);

    /// <inheritdoc/>
    public double MetricChanged(PhasePoint state, ILogDensityEvaluator target, Metric metric, double stepSize, Rng rng) =>
        Start(state, target, metric, stepSize, rng);
}
