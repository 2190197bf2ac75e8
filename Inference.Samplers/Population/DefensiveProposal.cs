using Inference.Randomness;

namespace Inference.Samplers.Population;

/// <summary>
/// A floor under a trained proposal: the mixture (1 − w)·q + w·g with g a broad diagonal Gaussian (the points' mean,
/// <see cref="BroadScale"/> × their standard deviations). A flow can put almost no mass where the target has some; a
/// proposed point there would get a huge acceptance ratio and a chain could jump into low-density regions and stay
/// (flowMC#165). With the floor, q_mix(x) ≥ w·g(x) everywhere near the data. Refitting refits q and re-centres g.
/// </summary>
public sealed class DefensiveProposal : ITrainableProposal
{
    private readonly ITrainableProposal _inner;
    private double[] _mean;
    private double[] _sd;
    private int _version;

    /// <summary>Wraps <paramref name="inner"/> with weight <paramref name="weight"/> on the broad component.</summary>
    public DefensiveProposal(ITrainableProposal inner, double weight = 0.1, double broadScale = 2)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (!(weight > 0 && weight < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(weight), weight, "Must be in (0, 1).");
        }

        if (!(broadScale > 0) || double.IsInfinity(broadScale))
        {
            throw new ArgumentOutOfRangeException(nameof(broadScale), broadScale, "Must be positive and finite.");
        }

        _inner = inner;
        Weight = weight;
        BroadScale = broadScale;
        _mean = new double[inner.Dimension];
        _sd = Enumerable.Repeat(broadScale, inner.Dimension).ToArray();
    }

    /// <summary>w, the broad component's weight.</summary>
    public double Weight { get; }

    /// <summary>The broad component's standard deviations as multiples of the points'.</summary>
    public double BroadScale { get; }

    /// <inheritdoc/>
    public int Dimension => _inner.Dimension;

    /// <inheritdoc/>
    public int Version => _version + _inner.Version;

    /// <inheritdoc/>
    public IProposalSampler CreateSampler() => new Sampler(this, _inner.CreateSampler());

    /// <inheritdoc/>
    public double Refit(ReadOnlySpan<double> points, ulong seed, CancellationToken cancellationToken = default)
    {
        int d = Dimension, n = points.Length / d;
        if (n < 2 || points.Length != n * d)
        {
            throw new ArgumentException($"Need at least two points of {d} coordinates.", nameof(points));
        }

        var mean = new double[d];
        var sd = new double[d];
        for (int j = 0; j < d; j++)
        {
            double m = 0, s = 0;
            for (int i = 0; i < n; i++)
            {
                m += points[(i * d) + j];
            }

            m /= n;
            for (int i = 0; i < n; i++)
            {
                double e = points[(i * d) + j] - m;
                s += e * e;
            }

            mean[j] = m;
            sd[j] = BroadScale * Math.Max(Math.Sqrt(s / (n - 1)), 1e-8);
        }

        double fit = _inner.Refit(points, seed, cancellationToken);
        _mean = mean;
        _sd = sd;
        _version++;
        return fit;
    }

    private double BroadLogDensity(ReadOnlySpan<double> x)
    {
        double s = 0;
        for (int j = 0; j < x.Length; j++)
        {
            double u = (x[j] - _mean[j]) / _sd[j];
            s += (-0.5 * u * u) - Math.Log(_sd[j]);
        }

        return s - (x.Length * 0.91893853320467274178);
    }

    private double Mix(double logQ, double logG)
    {
        double a = Math.Log(1 - Weight) + (double.IsNaN(logQ) ? double.NegativeInfinity : logQ), b = Math.Log(Weight) + logG;
        double m = Math.Max(a, b);
        return m + Math.Log(Math.Exp(a - m) + Math.Exp(b - m));
    }

    private sealed class Sampler(DefensiveProposal owner, IProposalSampler inner) : IProposalSampler
    {
        public void Sample(Rng rng, Span<double> points, Span<double> logDensities)
        {
            int d = owner.Dimension, n = logDensities.Length;
            // every draw is from the mixture: the flow's draws come in one batch, the broad ones replace some of them
            inner.Sample(rng, points, logDensities);
            for (int i = 0; i < n; i++)
            {
                var x = points.Slice(i * d, d);
                if (rng.NextDouble() < owner.Weight)
                {
                    for (int j = 0; j < d; j++)
                    {
                        x[j] = owner._mean[j] + (owner._sd[j] * rng.Normal());
                    }

                    logDensities[i] = owner.Mix(inner.LogDensity(x), owner.BroadLogDensity(x));
                }
                else
                {
                    logDensities[i] = owner.Mix(logDensities[i], owner.BroadLogDensity(x));
                }
            }
        }

        public double LogDensity(ReadOnlySpan<double> x) => owner.Mix(inner.LogDensity(x), owner.BroadLogDensity(x));
    }
}
