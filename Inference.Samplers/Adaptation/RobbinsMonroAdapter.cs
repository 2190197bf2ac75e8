using Inference.Densities;
using Inference.Randomness;
using Inference.Samplers.Hamiltonian;

namespace Inference.Samplers.Adaptation;

/// <summary>
/// Robbins–Monro on log ε: log ε ← log ε + m^−0.6 (min(1, α) − δ), with the gain m restarted at each metric update so
/// the scale re-adapts to the new metric; sampling uses exp of the mean log ε over the second half of the iterations
/// since the last update (Polyak–Ruppert averaging). Starts from Stan's step-size search.
/// </summary>
public sealed class RobbinsMonroAdapter : IStepSizeAdapter
{
    private readonly double _target;
    private readonly List<double> _history = [];
    private double _logScale;
    private int _sinceUpdate;

    /// <summary>Creates the adapter targeting <paramref name="targetAcceptance"/>.</summary>
    public RobbinsMonroAdapter(double targetAcceptance)
    {
        if (!(targetAcceptance > 0 && targetAcceptance < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(targetAcceptance), targetAcceptance, "Must be in (0, 1).");
        }

        _target = targetAcceptance;
    }

    /// <inheritdoc/>
    public double Final
    {
        get
        {
            if (_history.Count == 0)
            {
                return Math.Exp(_logScale);
            }

            double sum = 0;
            int from = _history.Count / 2;
            for (int i = from; i < _history.Count; i++)
            {
                sum += _history[i];
            }

            return Math.Exp(sum / (_history.Count - from));
        }
    }

    /// <inheritdoc/>
    public double Start(PhasePoint state, ILogDensityEvaluator target, Metric metric, double stepSize, Rng rng)
    {
        double eps = StepSizeSearch.Find(state, target, metric, stepSize, rng);
        _logScale = Math.Log(eps);
        _sinceUpdate = 0;
        _history.Clear();
        return eps;
    }

    /// <inheritdoc/>
    public double Learn(double acceptStat)
    {
        _sinceUpdate++;
        _logScale += Math.Pow(_sinceUpdate, -0.6) * (Math.Min(1, acceptStat) - _target);
        _history.Add(_logScale);
        return Math.Exp(_logScale);
    }

    /// <inheritdoc/>
    public double MetricChanged(PhasePoint state, ILogDensityEvaluator target, Metric metric, double stepSize, Rng rng)
    {
        _sinceUpdate = 0;
        _history.Clear();
        return stepSize;
    }
}
