namespace Inference.Diagnostics;

/// <summary>
/// Convergence diagnostics of Vehtari, Gelman, Simpson, Carpenter and Bürkner (2021), exactly as R's
/// posterior package (1.4.0) computes them: rank-normalized split R-hat (bulk and folded tail), classic
/// R-hat, and bulk, tail, mean, sd and quantile effective sample sizes. Input: draws as chains ×
/// iterations. A value that cannot be computed (non-finite draws, all draws equal, too few draws) is NaN.
/// </summary>
public static class Convergence
{
    /// <summary>max(bulk R-hat, tail R-hat): the R-hat to report; flag values above 1.01.</summary>
    public static double Rhat(IReadOnlyList<double[]> chains) => Math.Max(RhatBulk(chains), RhatTail(chains));

    /// <summary>Rank-normalized split R-hat.</summary>
    public static double RhatBulk(IReadOnlyList<double[]> chains)
    {
        DrawMatrix.Validate(chains, nameof(chains));
        return DrawMatrix.ShouldReturnNaN(chains) ? double.NaN : ClassicRhat(DrawMatrix.ZScale(DrawMatrix.Split(chains)));
    }

    /// <summary>Rank-normalized split R-hat of the draws folded about their median, |x − median(x)|.</summary>
    public static double RhatTail(IReadOnlyList<double[]> chains)
    {
        DrawMatrix.Validate(chains, nameof(chains));
        if (DrawMatrix.ShouldReturnNaN(chains))
        {
            return double.NaN;
        }

        double median = Summaries.Quantile(DrawMatrix.Pooled(chains), 0.5);
        var folded = DrawMatrix.Map(chains, x => Math.Abs(x - median));
        return ClassicRhat(DrawMatrix.ZScale(DrawMatrix.Split(folded)));
    }

    /// <summary>Classic R-hat on the raw draws, of split chains (default) or of whole chains.</summary>
    public static double RhatBasic(IReadOnlyList<double[]> chains, bool split = true)
    {
        DrawMatrix.Validate(chains, nameof(chains));
        return ClassicRhat(split ? DrawMatrix.Split(chains) : chains);
    }

    /// <summary>ESS of the rank-normalized split chains.</summary>
    public static double EssBulk(IReadOnlyList<double[]> chains)
    {
        DrawMatrix.Validate(chains, nameof(chains));
        return DrawMatrix.ShouldReturnNaN(chains) ? double.NaN : Ess(DrawMatrix.ZScale(DrawMatrix.Split(chains)));
    }

    /// <summary>min(ESS of the 5% quantile, ESS of the 95% quantile).</summary>
    public static double EssTail(IReadOnlyList<double[]> chains) => Math.Min(EssQuantile(chains, 0.05), EssQuantile(chains, 0.95));

    /// <summary>ESS of the indicator draws 1[x ≤ q_p] (split chains).</summary>
    public static double EssQuantile(IReadOnlyList<double[]> chains, double probability)
    {
        DrawMatrix.Validate(chains, nameof(chains));
        CheckProbability(probability);
        if (DrawMatrix.ShouldReturnNaN(chains))
        {
            return double.NaN;
        }

        double q = Summaries.Quantile(DrawMatrix.Pooled(chains), probability);
        return Ess(DrawMatrix.Split(DrawMatrix.Map(chains, x => x <= q ? 1 : 0)));
    }

    /// <summary>ESS of the median.</summary>
    public static double EssMedian(IReadOnlyList<double[]> chains) => EssQuantile(chains, 0.5);

    /// <summary>ESS of the raw split chains (the ESS for the mean).</summary>
    public static double EssMean(IReadOnlyList<double[]> chains) => EssBasic(chains, split: true);

    /// <summary>ESS of the raw draws, split (default) or not.</summary>
    public static double EssBasic(IReadOnlyList<double[]> chains, bool split = true)
    {
        DrawMatrix.Validate(chains, nameof(chains));
        return Ess(split ? DrawMatrix.Split(chains) : chains);
    }

    /// <summary>ESS for the standard deviation: of the split chains of |x − mean(x)| (posterior 1.4.0).</summary>
    public static double EssSd(IReadOnlyList<double[]> chains)
    {
        DrawMatrix.Validate(chains, nameof(chains));
        double mean = DrawMatrix.Pooled(chains).Average();
        return Ess(DrawMatrix.Split(DrawMatrix.Map(chains, x => Math.Abs(x - mean))));
    }

    /// <summary>Gelman–Rubin R-hat of the given chains (no splitting, no ranks).</summary>
    internal static double ClassicRhat(IReadOnlyList<double[]> chains)
    {
        if (DrawMatrix.ShouldReturnNaN(chains))
        {
            return double.NaN;
        }

        int m = chains.Count, n = chains[0].Length;
        var means = new double[m];
        double withinSum = 0;
        for (int c = 0; c < m; c++)
        {
            means[c] = chains[c].Average();
            withinSum += DrawMatrix.Variance(chains[c]);
        }

        double between = n * DrawMatrix.Variance(means);
        double within = withinSum / m;
        return Math.Sqrt(((between / within) + n - 1) / n);
    }

    /// <summary>
    /// Multi-chain ESS with Geyer's initial positive sequence and the monotone fix, τ capped below at
    /// 1/log10(S), reproducing posterior's indexing (including its behaviour for chains under 6 draws).
    /// </summary>
    internal static double Ess(IReadOnlyList<double[]> chains)
    {
        int m = chains.Count, n = chains[0].Length;
        if (n < 3 || DrawMatrix.ShouldReturnNaN(chains))
        {
            return double.NaN;
        }

        var autocov = new LazyAutocovariance(chains);
        var chainMeans = chains.Select(c => c.Average()).ToArray();
        double meanVar = autocov.MeanAt(0) * n / (n - 1);
        double varPlus = meanVar * (n - 1) / n;
        if (m > 1)
        {
            varPlus += DrawMatrix.Variance(chainMeans);
        }

        var rho = new double[n];
        int t = 0;
        double rhoEven = 1;
        rho[0] = rhoEven;
        double rhoOdd = 1 - ((meanVar - autocov.MeanAt(1)) / varPlus);
        rho[1] = rhoOdd;
        while (t < n - 5 && !double.IsNaN(rhoEven + rhoOdd) && rhoEven + rhoOdd > 0)
        {
            t += 2;
            rhoEven = 1 - ((meanVar - autocov.MeanAt(t)) / varPlus);
            rhoOdd = 1 - ((meanVar - autocov.MeanAt(t + 1)) / varPlus);
            if (rhoEven + rhoOdd >= 0)
            {
                rho[t] = rhoEven;
                rho[t + 1] = rhoOdd;
            }
        }

        int maxT = t;
        if (rhoEven > 0)
        {
            rho[maxT] = rhoEven;
        }

        t = 0;
        while (t <= maxT - 4)
        {
            t += 2;
            if (rho[t] + rho[t + 1] > rho[t - 2] + rho[t - 1])
            {
                rho[t] = (rho[t - 2] + rho[t - 1]) / 2;
                rho[t + 1] = rho[t];
            }
        }

        double total = (double)m * n;
        // R: sum(rho_hat_t[1:max_t]); for max_t = 0, 1:0 is c(1, 0), which selects the first element.
        double sum = 0;
        if (maxT == 0)
        {
            sum = rho[0];
        }
        else
        {
            for (int i = 0; i < maxT; i++)
            {
                sum += rho[i];
            }
        }

        double tau = -1 + (2 * sum) + rho[maxT];
        tau = Math.Max(tau, 1 / Math.Log10(total));
        return total / tau;
    }

    private static void CheckProbability(double probability)
    {
        if (!(probability > 0 && probability < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "Must be in (0, 1).");
        }
    }

    /// <summary>Biased autocovariances (divided by n) averaged over chains, computed lag by lag as needed.</summary>
    private sealed class LazyAutocovariance
    {
        private readonly double[][] _centered;
        private readonly Dictionary<int, double> _cache = [];

        public LazyAutocovariance(IReadOnlyList<double[]> chains)
        {
            _centered = chains.Select(c =>
            {
                double mean = c.Average();
                return c.Select(v => v - mean).ToArray();
            }).ToArray();
        }

        public double MeanAt(int lag)
        {
            if (_cache.TryGetValue(lag, out double cached))
            {
                return cached;
            }

            double total = 0;
            foreach (var y in _centered)
            {
                int n = y.Length;
                double s = lag < n ? System.Numerics.Tensors.TensorPrimitives.Dot(y.AsSpan(0, n - lag), y.AsSpan(lag)) : 0;
                total += s / n;
            }

            double value = total / _centered.Length;
            _cache[lag] = value;
            return value;
        }
    }
}
