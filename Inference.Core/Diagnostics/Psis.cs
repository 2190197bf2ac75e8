using Inference.Autodiff.Kernels;

namespace Inference.Diagnostics;

/// <summary>The result of Pareto-smoothed importance sampling.</summary>
/// <param name="ParetoK">The shape k̂ of the generalized Pareto fitted to the largest weights (after the weakly informative prior): below 0.5 good, 0.5–0.7 usable, above 0.7 unreliable. +∞ when the tail could not be fitted.</param>
/// <param name="ParetoKWithoutPrior">k̂ before the prior adjustment (n k + 10·0.5)/(n + 10).</param>
/// <param name="GpdScale">σ̂ of the fitted generalized Pareto.</param>
/// <param name="TailLength">M, the number of largest weights in the tail.</param>
/// <param name="Cutoff">The largest shifted log weight below the tail.</param>
/// <param name="NormalizedLogWeights">Smoothed, truncated, normalized log weights, in the order of the input.</param>
/// <param name="EffectiveSampleSize">1 / Σ w̃² of the normalized smoothed weights.</param>
public sealed record PsisResult(double ParetoK, double ParetoKWithoutPrior, double GpdScale, int TailLength, double Cutoff, double[] NormalizedLogWeights, double EffectiveSampleSize)
{
    /// <summary>The sample-size-aware threshold 1 − 1/log10(S) above which k̂ is unreliable (Vehtari et al. 2024).</summary>
    public double KThreshold => Math.Min(1 - (1 / Math.Log10(NormalizedLogWeights.Length)), 0.7);

    /// <summary>Normalized weights (exp of <see cref="NormalizedLogWeights"/>).</summary>
    public double[] Weights() => NormalizedLogWeights.Select(Math.Exp).ToArray();
}

/// <summary>
/// Pareto-smoothed importance sampling (Vehtari, Simpson, Gelman, Yao, Gabry 2024), exactly as R's loo 2.5.1
/// computes psis(log_ratios, r_eff): the M = ⌈min(0.2S, 3√(S/r_eff))⌉ largest weights are replaced by
/// expected order statistics of a generalized Pareto fitted by Zhang and Stephens' method (with loo's weakly
/// informative prior on k), then truncated at the largest raw weight. Used to judge variational fits
/// (Yao et al. 2018) and to correct their moments.
/// </summary>
public static class Psis
{
    /// <summary>Smooths the importance log ratios log p(xₛ) − log q(xₛ).</summary>
    public static PsisResult Smooth(ReadOnlySpan<double> logRatios, double relativeEfficiency = 1)
    {
        int s = logRatios.Length;
        if (s < 2)
        {
            throw new ArgumentException("PSIS needs at least two log ratios.", nameof(logRatios));
        }

        if (!(relativeEfficiency > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(relativeEfficiency), relativeEfficiency, "Must be positive.");
        }

        double max = double.NegativeInfinity;
        foreach (double v in logRatios)
        {
            if (double.IsNaN(v) || double.IsPositiveInfinity(v))
            {
                throw new ArgumentException("Log ratios must not be NaN or +∞.", nameof(logRatios));
            }

            max = Math.Max(max, v);
        }

        var lw = new double[s];
        for (int i = 0; i < s; i++)
        {
            lw[i] = logRatios[i] - max;
        }

        int tail = (int)Math.Ceiling(Math.Min(0.2 * s, 3 * Math.Sqrt(s / relativeEfficiency)));
        double k = double.PositiveInfinity, kRaw = double.PositiveInfinity, sigma = double.NaN, cutoff = double.NaN;
        if (tail >= 5)
        {
            var order = Enumerable.Range(0, s).ToArray();
            var sorted = (double[])lw.Clone();
            Array.Sort(sorted, order);
            var tailValues = sorted.AsSpan(s - tail, tail);
            if (Math.Abs(tailValues[^1] - tailValues[0]) >= 2.220446049250313e-16 / 100)
            {
                cutoff = sorted[s - tail - 1];
                double expCutoff = Math.Exp(cutoff);
                var x = new double[tail];
                for (int i = 0; i < tail; i++)
                {
                    x[i] = Math.Exp(tailValues[i]) - expCutoff;
                }

                (kRaw, sigma) = GeneralizedParetoFit(x);
                k = WeaklyInformativeK(kRaw, tail);
                if (double.IsFinite(k) && sigma > 0)
                {
                    // replace the tail by the GPD's expected order statistics
                    var p = new double[tail];
                    var q = new double[tail];
                    var scratch = new double[tail];
                    for (int i = 0; i < tail; i++)
                    {
                        p[i] = -((i + 1) - 0.5) / tail;
                    }

                    Elementwise.Log1p(p, q, scratch);           // log1p(−p)
                    for (int i = 0; i < tail; i++)
                    {
                        q[i] *= -k;
                    }

                    Elementwise.Expm1(q, p, scratch);           // expm1(−k log1p(−p))
                    for (int i = 0; i < tail; i++)
                    {
                        lw[order[s - tail + i]] = Math.Log((sigma * p[i] / k) + expCutoff);
                    }
                }
            }
        }

        for (int i = 0; i < s; i++)
        {
            if (lw[i] > 0)
            {
                lw[i] = 0;
            }
        }

        double lse = LogSumExp(lw);
        double sumSquares = 0;
        for (int i = 0; i < s; i++)
        {
            lw[i] -= lse;
            double w = Math.Exp(lw[i]);
            sumSquares += w * w;
        }

        return new PsisResult(k, kRaw, sigma, tail, cutoff, lw, 1 / sumSquares);
    }

    /// <summary>
    /// Zhang and Stephens' (2009) fit of a generalized Pareto (location 0) to positive values sorted ascending,
    /// as loo's gpdfit computes it (grid of 30 + ⌊√n⌋ points, prior 3): returns (k̂, σ̂) without the prior on k.
    /// </summary>
    public static (double K, double Sigma) GeneralizedParetoFit(ReadOnlySpan<double> sortedValues)
    {
        int n = sortedValues.Length;
        if (n < 2)
        {
            throw new ArgumentException("At least two values are needed.", nameof(sortedValues));
        }

        int m = 30 + (int)Math.Floor(Math.Sqrt(n));
        double xStar = sortedValues[(int)Math.Floor((n / 4.0) + 0.5) - 1];
        var theta = new double[m];
        var logLik = new double[m];
        var buffer = new double[n];
        var logs = new double[n];
        var scratch = new double[n];
        for (int j = 0; j < m; j++)
        {
            theta[j] = (1 / sortedValues[n - 1]) + ((1 - Math.Sqrt(m / ((j + 1) - 0.5))) / 3 / xStar);
            double kj = MeanLog1pMinusThetaX(theta[j], sortedValues, buffer, logs, scratch);
            logLik[j] = n * (Math.Log(-theta[j] / kj) - kj - 1);
        }

        double lse = LogSumExp(logLik);
        double thetaHat = 0;
        for (int j = 0; j < m; j++)
        {
            thetaHat += theta[j] * Math.Exp(logLik[j] - lse);
        }

        double k = MeanLog1pMinusThetaX(thetaHat, sortedValues, buffer, logs, scratch);
        double sigma = -k / thetaHat;
        return (double.IsNaN(k) ? double.PositiveInfinity : k, sigma);
    }

    /// <summary>loo's weakly informative prior on k: (n k + 10·0.5)/(n + 10).</summary>
    public static double WeaklyInformativeK(double k, int n) => ((k * n) + (10 * 0.5)) / (n + 10);

    private static double MeanLog1pMinusThetaX(double theta, ReadOnlySpan<double> x, double[] buffer, double[] logs, double[] scratch)
    {
        for (int i = 0; i < x.Length; i++)
        {
            buffer[i] = -theta * x[i];
        }

        Elementwise.Log1p(buffer, logs, scratch);
        double sum = 0;
        foreach (double v in logs)
        {
            sum += v;
        }

        return sum / x.Length;
    }

    /// <summary>log Σ exp(vᵢ), stable; −∞ for an empty or all −∞ input.</summary>
    internal static double LogSumExp(ReadOnlySpan<double> values)
    {
        double max = double.NegativeInfinity;
        foreach (double v in values)
        {
            max = Math.Max(max, v);
        }

        if (double.IsNegativeInfinity(max))
        {
            return max;
        }

        double sum = 0;
        foreach (double v in values)
        {
            sum += Math.Exp(v - max);
        }

        return max + Math.Log(sum);
    }
}
