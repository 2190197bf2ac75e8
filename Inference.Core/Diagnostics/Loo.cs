using System.Globalization;

namespace Inference.Diagnostics;

/// <summary>A sum over observations and its standard error √(N·Var(pointwise)).</summary>
/// <param name="Estimate">The sum of the pointwise values.</param>
/// <param name="StandardError">√N times the standard deviation of the pointwise values.</param>
public readonly record struct LooEstimate(double Estimate, double StandardError)
{
    internal static LooEstimate Of(ReadOnlySpan<double> pointwise)
    {
        double sum = 0;
        foreach (double v in pointwise)
        {
            sum += v;
        }

        return new LooEstimate(sum, Math.Sqrt(pointwise.Length * DrawMatrix.Variance(pointwise)));
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Estimate:F1} ± {StandardError:F1}");
}

/// <summary>
/// PSIS-LOO: the expected log pointwise predictive density for new data, estimated by Pareto-smoothed importance
/// sampling (Vehtari, Gelman and Gabry 2017), as R's loo 2.5.1 reports it.
/// </summary>
public sealed class LooResult
{
    internal LooResult(double[] elpd, double[] mcse, double[] pLoo, double[] paretoK, double[] nEff, double[] rEff, int draws)
    {
        PointwiseElpd = elpd;
        PointwiseMcseElpd = mcse;
        PointwisePLoo = pLoo;
        var looic = elpd.Select(v => -2 * v).ToArray();
        PointwiseLooic = looic;
        ParetoK = paretoK;
        EffectiveSampleSize = nEff;
        RelativeEfficiency = rEff;
        Draws = draws;
        Elpd = LooEstimate.Of(elpd);
        PLoo = LooEstimate.Of(pLoo);
        Looic = LooEstimate.Of(looic);
        McseElpd = Math.Sqrt(mcse.Sum(m => m * m));
        Warnings = MakeWarnings();
    }

    /// <summary>elpd_loo, the sum of the pointwise log leave-one-out predictive densities, with its SE.</summary>
    public LooEstimate Elpd { get; }

    /// <summary>p_loo, the effective number of parameters (lpd − elpd_loo), with its SE.</summary>
    public LooEstimate PLoo { get; }

    /// <summary>looic = −2·elpd_loo, with its SE.</summary>
    public LooEstimate Looic { get; }

    /// <summary>The Monte Carlo SE of elpd_loo: √Σ mcse_elpd_loo².</summary>
    public double McseElpd { get; }

    /// <summary>log p(yᵢ | y₋ᵢ) per observation.</summary>
    public IReadOnlyList<double> PointwiseElpd { get; }

    /// <summary>Monte Carlo SE of each pointwise elpd_loo (loo 2.5.1's approximation through 1000 normal quantiles).</summary>
    public IReadOnlyList<double> PointwiseMcseElpd { get; }

    /// <summary>Each observation's contribution to p_loo.</summary>
    public IReadOnlyList<double> PointwisePLoo { get; }

    /// <summary>−2 times <see cref="PointwiseElpd"/>.</summary>
    public IReadOnlyList<double> PointwiseLooic { get; }

    /// <summary>
    /// The Pareto k̂ of each observation's importance weights: up to 0.5 good, 0.5–0.7 ok, 0.7–1 bad, above 1 very bad
    /// (loo 2.5.1's bands); +∞ when the tail could not be fitted.
    /// </summary>
    public IReadOnlyList<double> ParetoK { get; }

    /// <summary>PSIS effective sample size of each observation's weights, times its relative efficiency.</summary>
    public IReadOnlyList<double> EffectiveSampleSize { get; }

    /// <summary>The relative efficiency (MCMC ESS / draws) of each observation's likelihood used for the tail length.</summary>
    public IReadOnlyList<double> RelativeEfficiency { get; }

    /// <summary>Number of draws.</summary>
    public int Draws { get; }

    /// <summary>Observations counted in loo's k̂ bands: (−∞, 0.5], (0.5, 0.7], (0.7, 1], (1, ∞).</summary>
    public IReadOnlyList<int> ParetoKCounts => [ParetoK.Count(k => k <= 0.5), ParetoK.Count(k => k is > 0.5 and <= 0.7), ParetoK.Count(k => k is > 0.7 and <= 1), ParetoK.Count(k => k > 1)];

    /// <summary>The observations (0-based) whose k̂ exceeds 0.7: their elpd_loo estimates are unreliable.</summary>
    public IReadOnlyList<int> HighParetoK => Enumerable.Range(0, ParetoK.Count).Where(i => ParetoK[i] > 0.7).ToArray();

    /// <summary>What the user should know before trusting the estimate, in words.</summary>
    public IReadOnlyList<string> Warnings { get; }

    private string[] MakeWarnings()
    {
        var high = HighParetoK;
        if (high.Count > 0)
        {
            string which = string.Join(", ", high.Take(10).Select(i => (i + 1).ToString(CultureInfo.InvariantCulture))) + (high.Count > 10 ? ", …" : "");
            return [string.Create(CultureInfo.InvariantCulture, $"Pareto k̂ above 0.7 for {high.Count} of {ParetoK.Count} observations ({which}): their leave-one-out estimates are unreliable; refit without them (exact LOO), use moment matching, or use K-fold cross-validation.")];
        }

        int slightly = ParetoK.Count(k => k > 0.5);
        return slightly > 0
            ? [string.Create(CultureInfo.InvariantCulture, $"Pareto k̂ between 0.5 and 0.7 for {slightly} of {ParetoK.Count} observations: the estimate is usable but its Monte Carlo error is larger.")]
            : [];
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"elpd_loo {Elpd}, p_loo {PLoo}, looic {Looic}; k̂ bands {string.Join("/", ParetoKCounts)}") + string.Concat(Warnings.Select(w => "\nWarning: " + w));
}

/// <summary>WAIC (Watanabe 2010) as R's loo 2.5.1 reports it: elpd_waic = lpd − p_waic with p_waic the pointwise variance of the log-likelihood.</summary>
public sealed class WaicResult
{
    internal WaicResult(double[] elpd, double[] pWaic)
    {
        PointwiseElpd = elpd;
        PointwisePWaic = pWaic;
        var waic = elpd.Select(v => -2 * v).ToArray();
        PointwiseWaic = waic;
        Elpd = LooEstimate.Of(elpd);
        PWaic = LooEstimate.Of(pWaic);
        Waic = LooEstimate.Of(waic);
        int high = pWaic.Count(p => p > 0.4);
        Warnings = high > 0
            ? [string.Create(CultureInfo.InvariantCulture, $"p_waic above 0.4 for {high} of {pWaic.Length} observations: WAIC is unreliable there; use PSIS-LOO instead.")]
            : [];
    }

    /// <summary>elpd_waic with its SE.</summary>
    public LooEstimate Elpd { get; }

    /// <summary>p_waic with its SE.</summary>
    public LooEstimate PWaic { get; }

    /// <summary>waic = −2·elpd_waic with its SE.</summary>
    public LooEstimate Waic { get; }

    /// <summary>elpd_waic per observation.</summary>
    public IReadOnlyList<double> PointwiseElpd { get; }

    /// <summary>p_waic per observation.</summary>
    public IReadOnlyList<double> PointwisePWaic { get; }

    /// <summary>waic per observation.</summary>
    public IReadOnlyList<double> PointwiseWaic { get; }

    /// <summary>What the user should know before trusting the estimate, in words.</summary>
    public IReadOnlyList<string> Warnings { get; }
}

/// <summary>One model's row of <see cref="Loo.Compare"/>, best model first.</summary>
/// <param name="Name">The model's label.</param>
/// <param name="ElpdDifference">Its elpd_loo minus the best model's (0 for the best).</param>
/// <param name="DifferenceStandardError">√N times the sd of the pointwise differences.</param>
/// <param name="Loo">The model's own estimates.</param>
public sealed record LooComparisonRow(string Name, double ElpdDifference, double DifferenceStandardError, LooResult Loo);

/// <summary>PSIS-LOO, WAIC and model comparison from a <see cref="PointwiseLogLikelihood"/>, reproducing R's loo 2.5.1.</summary>
public static class Loo
{
    private const int McseQuantiles = 1000;

    // loo's mcse_elpd evaluates the log at 1000 normal quantiles (r − 3/8)/(S − 2·3/8 + 1); these do not depend on the data.
    private static readonly Lazy<double[]> NormalScores = new(() =>
        Enumerable.Range(1, McseQuantiles).Select(r => MathNet.Numerics.Distributions.Normal.InvCDF(0, 1, (r - 0.375) / (McseQuantiles - 0.75 + 1))).ToArray());

    /// <summary>
    /// loo's relative_eff(exp(ll), chain_id): the MCMC effective sample size of each observation's likelihood
    /// (Geyer's initial monotone sequence over the chains, not split) divided by the number of draws.
    /// </summary>
    public static double[] RelativeEfficiency(PointwiseLogLikelihood logLikelihood)
    {
        ArgumentNullException.ThrowIfNull(logLikelihood);
        int chains = logLikelihood.Chains, n = logLikelihood.DrawsPerChain;
        var result = new double[logLikelihood.Observations];
        var likelihood = new double[chains][];
        for (int c = 0; c < chains; c++)
        {
            likelihood[c] = new double[n];
        }

        for (int i = 0; i < result.Length; i++)
        {
            var column = logLikelihood.Observation(i);
            double max = column.Max();
            for (int s = 0; s < column.Length; s++)
            {
                // the ESS does not change with the scale, and exp(ll − max) neither underflows all draws nor looks constant
                likelihood[s / n][s % n] = double.IsNegativeInfinity(max) ? 0 : Math.Exp(column[s] - max);
            }

            double ess = Convergence.EssBasic(likelihood, split: false);
            result[i] = double.IsFinite(ess) ? ess / column.Length : 1;
        }

        return result;
    }

    /// <summary>
    /// PSIS-LOO (loo(ll, r_eff)): per observation, Pareto-smoothed importance weights from the log ratios −ll,
    /// elpd_loo = log Σ w̃ₛ p(yᵢ | θₛ), p_loo = lpd − elpd_loo, k̂, n_eff and the Monte Carlo SE.
    /// </summary>
    /// <param name="logLikelihood">The pointwise log-likelihood.</param>
    /// <param name="relativeEfficiency">One relative efficiency per observation; by default <see cref="RelativeEfficiency"/> of the chains.</param>
    public static LooResult PsisLoo(PointwiseLogLikelihood logLikelihood, IReadOnlyList<double>? relativeEfficiency = null)
    {
        ArgumentNullException.ThrowIfNull(logLikelihood);
        int n = logLikelihood.Observations, s = logLikelihood.Draws;
        var rEff = relativeEfficiency?.ToArray() ?? RelativeEfficiency(logLikelihood);
        if (rEff.Length != n)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{rEff.Length} relative efficiencies for {n} observations."), nameof(relativeEfficiency));
        }

        if (rEff.Any(r => !(r > 0) || !double.IsFinite(r)))
        {
            throw new ArgumentOutOfRangeException(nameof(relativeEfficiency), "Every relative efficiency must be positive and finite.");
        }

        var elpd = new double[n];
        var mcse = new double[n];
        var pLoo = new double[n];
        var k = new double[n];
        var nEff = new double[n];
        var negated = new double[s];
        var weighted = new double[s];
        for (int i = 0; i < n; i++)
        {
            var ll = logLikelihood.Observation(i);
            for (int j = 0; j < s; j++)
            {
                negated[j] = -ll[j];
            }

            var psis = Psis.Smooth(negated, rEff[i]);
            for (int j = 0; j < s; j++)
            {
                weighted[j] = ll[j] + psis.NormalizedLogWeights[j];
            }

            elpd[i] = Psis.LogSumExp(weighted);
            pLoo[i] = Psis.LogSumExp(ll) - Math.Log(s) - elpd[i];
            k[i] = psis.ParetoK;
            nEff[i] = psis.EffectiveSampleSize * rEff[i];
            mcse[i] = McseElpd(ll, psis.NormalizedLogWeights, elpd[i], rEff[i]);
        }

        return new LooResult(elpd, mcse, pLoo, k, nEff, rEff, s);
    }

    /// <summary>WAIC (waic(ll)): lpd − Σ Var_s(log p(yᵢ | θₛ)) per observation.</summary>
    public static WaicResult Waic(PointwiseLogLikelihood logLikelihood)
    {
        ArgumentNullException.ThrowIfNull(logLikelihood);
        int n = logLikelihood.Observations;
        var elpd = new double[n];
        var pWaic = new double[n];
        for (int i = 0; i < n; i++)
        {
            var ll = logLikelihood.Observation(i);
            pWaic[i] = DrawMatrix.Variance(ll);
            elpd[i] = Psis.LogSumExp(ll) - Math.Log(ll.Length) - pWaic[i];
        }

        return new WaicResult(elpd, pWaic);
    }

    /// <summary>
    /// loo_compare: the models ordered by elpd_loo, best first, each with its elpd difference from the best and the
    /// SE of that difference from the pointwise differences (so the models must be fitted to the same observations).
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than two models, a repeated name, or different numbers of observations.</exception>
    public static IReadOnlyList<LooComparisonRow> Compare(IReadOnlyList<KeyValuePair<string, LooResult>> models)
    {
        ArgumentNullException.ThrowIfNull(models);
        if (models.Count < 2)
        {
            throw new ArgumentException("Comparing needs at least two models.", nameof(models));
        }

        if (models.Select(m => m.Key).Distinct().Count() != models.Count)
        {
            throw new ArgumentException("Every model needs its own name.", nameof(models));
        }

        int n = models[0].Value.PointwiseElpd.Count;
        var mismatch = models.FirstOrDefault(m => m.Value.PointwiseElpd.Count != n);
        if (mismatch.Value is not null)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Model '{mismatch.Key}' has {mismatch.Value.PointwiseElpd.Count} observations and '{models[0].Key}' has {n}: only models of the same data compare."), nameof(models));
        }

        // R's order(decreasing = TRUE) keeps ties in their given order: OrderByDescending is stable too
        var ordered = models.OrderByDescending(m => m.Value.Elpd.Estimate).ToArray();
        var best = ordered[0].Value.PointwiseElpd;
        var diff = new double[n];
        return ordered.Select(m =>
        {
            for (int i = 0; i < n; i++)
            {
                diff[i] = m.Value.PointwiseElpd[i] - best[i];
            }

            var d = LooEstimate.Of(diff);
            return new LooComparisonRow(m.Key, d.Estimate, d.StandardError, m.Value);
        }).ToArray();
    }

    /// <summary>loo 2.5.1's mcse_elpd: the sd of log z over z = E + sd·Φ⁻¹(qᵣ) (z &gt; 0), divided by √r_eff.</summary>
    private static double McseElpd(double[] ll, double[] logWeights, double elpd, double rEff)
    {
        double expected = Math.Exp(elpd);
        double variance = 0;
        for (int j = 0; j < ll.Length; j++)
        {
            double w = Math.Exp(logWeights[j]);
            double d = Math.Exp(ll[j]) - expected;
            variance += w * w * d * d;
        }

        double sd = Math.Sqrt(variance);
        var scores = NormalScores.Value;
        var logs = new List<double>(scores.Length);
        foreach (double z in scores)
        {
            double v = expected + (sd * z);
            if (v > 0)
            {
                logs.Add(Math.Log(v));
            }
        }

        return Math.Sqrt(DrawMatrix.Variance(logs.ToArray()) / rEff);
    }
}
