using Inference.Randomness;

namespace Inference.Samplers.Population;

/// <summary>
/// A multivariate normal N(μ, LLᵀ) as a proposal; refitting sets μ and Σ = LLᵀ to the points' sample moments (forward KL
/// within the Gaussian family). With the true moments of a Gaussian target, independence Metropolis–Hastings accepts
/// every proposal.
/// </summary>
public sealed class GaussianProposal : ITrainableProposal
{
    private double[] _mean;
    private double[] _cholesky;
    private double _logNormalizer;
    private int _version;

    /// <summary>N(<paramref name="mean"/>, <paramref name="covariance"/>) (row-major d × d, symmetric positive definite).</summary>
    public GaussianProposal(ReadOnlySpan<double> mean, ReadOnlySpan<double> covariance)
    {
        int d = mean.Length;
        ArgumentOutOfRangeException.ThrowIfZero(d, nameof(mean));
        if (covariance.Length != d * d)
        {
            throw new ArgumentException($"Expected {d} × {d} values; got {covariance.Length}.", nameof(covariance));
        }

        _mean = mean.ToArray();
        (_cholesky, _logNormalizer) = Factor(covariance, d);
    }

    /// <summary>N(0, σ²I).</summary>
    public static GaussianProposal Isotropic(int dimension, double sd = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        if (!(sd > 0) || double.IsInfinity(sd))
        {
            throw new ArgumentOutOfRangeException(nameof(sd), sd, "Must be positive and finite.");
        }

        var cov = new double[dimension * dimension];
        for (int i = 0; i < dimension; i++)
        {
            cov[(i * dimension) + i] = sd * sd;
        }

        return new GaussianProposal(new double[dimension], cov);
    }

    /// <inheritdoc/>
    public int Dimension => _mean.Length;

    /// <inheritdoc/>
    public int Version => _version;

    /// <summary>μ.</summary>
    public IReadOnlyList<double> Mean => _mean;

    /// <inheritdoc/>
    public IProposalSampler CreateSampler() => new Sampler(this);

    /// <inheritdoc/>
    public double Refit(ReadOnlySpan<double> points, ulong seed, CancellationToken cancellationToken = default)
    {
        int d = Dimension, n = points.Length / d;
        if (n <= d || points.Length != n * d)
        {
            throw new ArgumentException($"Need more than {d} points of {d} coordinates.", nameof(points));
        }

        var mean = new double[d];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < d; j++)
            {
                mean[j] += points[(i * d) + j] / n;
            }
        }

        var cov = new double[d * d];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < d; j++)
            {
                double ej = points[(i * d) + j] - mean[j];
                for (int k = 0; k <= j; k++)
                {
                    cov[(j * d) + k] += ej * (points[(i * d) + k] - mean[k]) / (n - 1);
                }
            }
        }

        for (int j = 0; j < d; j++)
        {
            for (int k = 0; k < j; k++)
            {
                cov[(k * d) + j] = cov[(j * d) + k];
            }

            // a small ridge keeps a degenerate window factorizable
            cov[(j * d) + j] += 1e-10 * (1 + cov[(j * d) + j]);
        }

        _mean = mean;
        (_cholesky, _logNormalizer) = Factor(cov, d);
        _version++;
        var sampler = new Sampler(this);
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            sum += sampler.LogDensity(points.Slice(i * d, d));
        }

        return sum / n;
    }

    private static (double[] L, double LogNormalizer) Factor(ReadOnlySpan<double> a, int d)
    {
        var l = new double[d * d];
        double logDet = 0;
        for (int j = 0; j < d; j++)
        {
            double s = a[(j * d) + j];
            for (int k = 0; k < j; k++)
            {
                s -= l[(j * d) + k] * l[(j * d) + k];
            }

            if (!(s > 0))
            {
                throw new ArgumentException("The covariance must be symmetric positive definite.", nameof(a));
            }

            l[(j * d) + j] = Math.Sqrt(s);
            logDet += Math.Log(l[(j * d) + j]);
            for (int i = j + 1; i < d; i++)
            {
                double t = a[(i * d) + j];
                for (int k = 0; k < j; k++)
                {
                    t -= l[(i * d) + k] * l[(j * d) + k];
                }

                l[(i * d) + j] = t / l[(j * d) + j];
            }
        }

        return (l, -logDet - (d * 0.91893853320467274178));
    }

    private sealed class Sampler(GaussianProposal owner) : IProposalSampler
    {
        private readonly double[] _z = new double[owner.Dimension];

        public void Sample(Rng rng, Span<double> points, Span<double> logDensities)
        {
            ArgumentNullException.ThrowIfNull(rng);
            int d = owner.Dimension;
            var l = owner._cholesky;
            for (int s = 0; s < logDensities.Length; s++)
            {
                rng.Normal(_z);
                var x = points.Slice(s * d, d);
                double q = 0;
                for (int i = 0; i < d; i++)
                {
                    double v = owner._mean[i];
                    for (int k = 0; k <= i; k++)
                    {
                        v += l[(i * d) + k] * _z[k];
                    }

                    x[i] = v;
                    q += _z[i] * _z[i];
                }

                logDensities[s] = owner._logNormalizer - (0.5 * q);
            }
        }

        public double LogDensity(ReadOnlySpan<double> x)
        {
            int d = owner.Dimension;
            var l = owner._cholesky;
            double q = 0;
            for (int i = 0; i < d; i++)
            {
                double t = x[i] - owner._mean[i];
                for (int k = 0; k < i; k++)
                {
                    t -= l[(i * d) + k] * _z[k];
                }

                _z[i] = t / l[(i * d) + i];
                q += _z[i] * _z[i];
            }

            return owner._logNormalizer - (0.5 * q);
        }
    }
}
