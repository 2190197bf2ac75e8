using Inference.InverseProblems;
using Inference.Randomness;

namespace Inference.Benchmarks.Flows;

/// <summary>
/// Hertrich's 50-dimensional mixture inverse problem (arXiv 2211.17158, Section 4.2): x ~ Σₖ ⅕ N(mₖ, 0.01·I) with the
/// means of reference/fixtures/inverse/mixture-means.json, y = diag(0.1/i)·x + N(0, 0.05²I). The posterior for one y is
/// an exact Gaussian mixture.
/// </summary>
internal static class MixtureProblem
{
    public const int Dimension = 50;
    public const double Variance = 0.01;
    public const double NoiseSd = 0.05;

    private static readonly Lazy<double[,]> LazyMeans = new(() =>
    {
        using var doc = ReferenceData.Json("fixtures", "inverse", "mixture-means.json");
        var rows = doc.RootElement.GetProperty("means").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
        var means = new double[rows.Length, Dimension];
        for (int k = 0; k < rows.Length; k++)
        {
            for (int j = 0; j < Dimension; j++)
            {
                means[k, j] = rows[k][j];
            }
        }

        return means;
    });

    public static double[,] Means => LazyMeans.Value;

    public static double[] Operator => Enumerable.Range(1, Dimension).Select(i => 0.1 / i).ToArray();

    public static InverseProblem Create() =>
        new(Prior.GaussianMixture(Enumerable.Repeat(0.2, Means.GetLength(0)).ToArray(), Means, Math.Sqrt(Variance)), ForwardOperator.Diagonal(Operator), NoiseModel.Gaussian(NoiseSd));

    /// <summary>The exact posterior for <paramref name="y"/>: log-weights, means [K, d], and the shared diagonal variance.</summary>
    public static (double[] LogWeights, double[,] Means, double[] Variance) Posterior(ReadOnlySpan<double> y)
    {
        var f = Operator;
        var m = Means;
        int k = m.GetLength(0), d = Dimension;
        double b2 = NoiseSd * NoiseSd;
        var variance = f.Select(fi => 1 / ((fi * fi / b2) + (1 / Variance))).ToArray();
        var means = new double[k, d];
        var logWeights = new double[k];
        for (int c = 0; c < k; c++)
        {
            double quadratic = 0, prior = 0;
            for (int j = 0; j < d; j++)
            {
                means[c, j] = variance[j] * ((f[j] * y[j] / b2) + (m[c, j] / Variance));
                quadratic += means[c, j] * means[c, j] / variance[j];
                prior += m[c, j] * m[c, j];
            }

            logWeights[c] = Math.Log(0.2) + (0.5 * quadratic) - (0.5 * prior / Variance);
        }

        double max = logWeights.Max();
        double log = max + Math.Log(logWeights.Sum(w => Math.Exp(w - max)));
        return (logWeights.Select(w => w - log).ToArray(), means, variance);
    }

    /// <summary>Normalized log p(x | y) of the exact posterior.</summary>
    public static double LogPosterior((double[] LogWeights, double[,] Means, double[] Variance) posterior, ReadOnlySpan<double> x)
    {
        int k = posterior.LogWeights.Length, d = Dimension;
        Span<double> terms = stackalloc double[k];
        for (int c = 0; c < k; c++)
        {
            double s = posterior.LogWeights[c];
            for (int j = 0; j < d; j++)
            {
                double e = x[j] - posterior.Means[c, j];
                s -= (0.5 * e * e / posterior.Variance[j]) + (0.5 * Math.Log(2 * Math.PI * posterior.Variance[j]));
            }

            terms[c] = s;
        }

        double max = double.NegativeInfinity;
        foreach (double t in terms)
        {
            max = Math.Max(max, t);
        }

        double sum = 0;
        foreach (double t in terms)
        {
            sum += Math.Exp(t - max);
        }

        return max + Math.Log(sum);
    }

    /// <summary>Draws from the exact posterior (rows of a count × d array).</summary>
    public static double[] SamplePosterior((double[] LogWeights, double[,] Means, double[] Variance) posterior, Rng rng, int count)
    {
        int d = Dimension;
        var weights = posterior.LogWeights.Select(Math.Exp).ToArray();
        var draws = new double[count * d];
        for (int i = 0; i < count; i++)
        {
            double u = rng.NextDouble(), cumulative = 0;
            int c = 0;
            for (; c < weights.Length - 1; c++)
            {
                cumulative += weights[c];
                if (u < cumulative)
                {
                    break;
                }
            }

            for (int j = 0; j < d; j++)
            {
                draws[(i * d) + j] = posterior.Means[c, j] + (Math.Sqrt(posterior.Variance[j]) * rng.Normal());
            }
        }

        return draws;
    }
}
