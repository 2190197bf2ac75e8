using Inference.Samplers.Hamiltonian;

namespace Inference.Samplers.Adaptation;

/// <summary>
/// Stan's metric estimate from one window: the Welford (co)variance Σ̂ of its n positions, regularized to
/// (n/(n + 5))·Σ̂ + 10⁻³·(5/(n + 5))·I; diagonal or dense.
/// </summary>
public sealed class WelfordMetricAdapter : IMetricAdapter
{
    private readonly WelfordEstimator _welford;
    private readonly int _dimension;

    /// <summary>Creates the adapter of a diagonal (<paramref name="dense"/> false) or dense metric.</summary>
    public WelfordMetricAdapter(int dimension, bool dense)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        _dimension = dimension;
        _welford = new WelfordEstimator(dimension, dense);
    }

    /// <inheritdoc/>
    public void Add(ReadOnlySpan<double> position) => _welford.Add(position);

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The estimate is not finite (the window held non-finite positions).</exception>
    public Metric Update()
    {
        int d = _dimension, n = _welford.Count;
        var estimate = new double[_welford.Dense ? d * d : d];
        _welford.Variance(estimate);
        double scale = n / (n + 5.0), shrink = 1e-3 * (5.0 / (n + 5.0));
        for (int i = 0; i < estimate.Length; i++)
        {
            estimate[i] *= scale;
        }

        for (int i = 0; i < d; i++)
        {
            estimate[_welford.Dense ? (i * d) + i : i] += shrink;
        }

        if (estimate.Any(v => !double.IsFinite(v)))
        {
            throw new InvalidOperationException("The adapted metric is not finite: the warmup draws contain non-finite positions.");
        }

        _welford.Restart();
        return _welford.Dense ? Metric.Dense(estimate, d) : Metric.Diagonal(estimate);
    }
}
