namespace Inference.Diagnostics;

/// <summary>
/// Posterior summaries and their Monte Carlo standard errors, as R's posterior package (1.4.0) computes them:
/// type-7 quantiles, MCSE of the mean, sd and quantiles, and E-BFMI. Input: draws as chains × iterations.
/// </summary>
public static class Summaries
{
    /// <summary>Mean of all draws.</summary>
    public static double Mean(IReadOnlyList<double[]> chains)
    {
        DrawMatrix.Validate(chains, nameof(chains));
        return DrawMatrix.Pooled(chains).Average();
    }

    /// <summary>Standard deviation of all draws (n − 1 denominator).</summary>
    public static double StandardDeviation(IReadOnlyList<double[]> chains)
    {
        DrawMatrix.Validate(chains, nameof(chains));
        return Math.Sqrt(DrawMatrix.Variance(DrawMatrix.Pooled(chains)));
    }

    /// <summary>Quantile of all draws (chains pooled), type 7 (R's default: linear interpolation, h = (n − 1)p).</summary>
    public static double Quantile(IReadOnlyList<double[]> chains, double probability)
    {
        DrawMatrix.Validate(chains, nameof(chains));
        return Quantile(DrawMatrix.Pooled(chains), probability);
    }

    /// <summary>Type-7 quantile of <paramref name="values"/>.</summary>
    public static double Quantile(ReadOnlySpan<double> values, double probability)
    {
        if (values.Length == 0)
        {
            throw new ArgumentException("No values.", nameof(values));
        }

        if (!(probability >= 0 && probability <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "Must be in [0, 1].");
        }

        var sorted = values.ToArray();
        Array.Sort(sorted);
        return SortedQuantile(sorted, probability);
    }

    internal static double SortedQuantile(double[] sorted, double probability)
    {
        double h = (sorted.Length - 1) * probability;
        int lo = (int)Math.Floor(h);
        int hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + ((h - lo) * (sorted[hi] - sorted[lo]));
    }

    /// <summary>MCSE of the mean: sd / √ESS_mean (ESS of the raw split chains, not of ranks).</summary>
    public static double McseMean(IReadOnlyList<double[]> chains) =>
        StandardDeviation(chains) / Math.Sqrt(Convergence.EssMean(chains));

    /// <summary>
    /// MCSE of the standard deviation (posterior 1.4.0): with c = x − mean, ESS of c² (split), v = mean(c²),
    /// var(v) = (mean(c⁴) − v²)/ESS, MCSE = √(var(v)/(4v)).
    /// </summary>
    public static double McseSd(IReadOnlyList<double[]> chains)
    {
        DrawMatrix.Validate(chains, nameof(chains));
        double mean = DrawMatrix.Pooled(chains).Average();
        var squares = DrawMatrix.Map(chains, x => (x - mean) * (x - mean));
        double ess = Convergence.EssMean(squares);
        var pooled = DrawMatrix.Pooled(squares);
        double v = pooled.Average();
        double fourth = pooled.Select(s => s * s).Average();
        double varVar = (fourth - (v * v)) / ess;
        return Math.Sqrt(varVar / v / 4);
    }

    /// <summary>
    /// MCSE of the <paramref name="probability"/> quantile: with the quantile's ESS, the central ±1 sd interval
    /// of Beta(ESS·p + 1, ESS·(1 − p) + 1) mapped through the sorted draws, halved.
    /// </summary>
    public static double McseQuantile(IReadOnlyList<double[]> chains, double probability)
    {
        double ess = Convergence.EssQuantile(chains, probability);
        if (double.IsNaN(ess))
        {
            return double.NaN;
        }

        double a1 = MathNet.Numerics.Distributions.Beta.InvCDF((ess * probability) + 1, (ess * (1 - probability)) + 1, 0.1586553);
        double a2 = MathNet.Numerics.Distributions.Beta.InvCDF((ess * probability) + 1, (ess * (1 - probability)) + 1, 0.8413447);
        var sorted = DrawMatrix.Pooled(chains);
        Array.Sort(sorted);
        int s = sorted.Length;
        double th1 = sorted[Math.Max((int)Math.Floor(a1 * s), 1) - 1];
        double th2 = sorted[Math.Min((int)Math.Ceiling(a2 * s), s) - 1];
        return (th2 - th1) / 2;
    }

    /// <summary>MCSE of the median.</summary>
    public static double McseMedian(IReadOnlyList<double[]> chains) => McseQuantile(chains, 0.5);

    /// <summary>
    /// Energy Bayesian fraction of missing information of one chain's energies:
    /// Σ_{n≥2}(Eₙ − Eₙ₋₁)² / Σₙ(Eₙ − Ē)². Values below 0.3 suggest the momentum resampling explores poorly.
    /// </summary>
    public static double EnergyBfmi(ReadOnlySpan<double> energy)
    {
        if (energy.Length < 2)
        {
            return double.NaN;
        }

        double mean = 0;
        foreach (double e in energy)
        {
            mean += e;
        }

        mean /= energy.Length;
        double num = 0, den = 0;
        for (int i = 0; i < energy.Length; i++)
        {
            den += (energy[i] - mean) * (energy[i] - mean);
            if (i > 0)
            {
                num += (energy[i] - energy[i - 1]) * (energy[i] - energy[i - 1]);
            }
        }

        return num / den;
    }
}
