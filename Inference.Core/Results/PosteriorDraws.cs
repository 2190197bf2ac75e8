using System.Globalization;
using System.Text;
using Inference.Diagnostics;

namespace Inference.Results;

/// <summary>Stan's per-draw sampler statistics.</summary>
/// <param name="LogDensity">lp__.</param>
/// <param name="AcceptStat">accept_stat__.</param>
/// <param name="StepSize">stepsize__.</param>
/// <param name="TreeDepth">treedepth__.</param>
/// <param name="LeapfrogSteps">n_leapfrog__.</param>
/// <param name="Divergent">divergent__.</param>
/// <param name="Energy">energy__.</param>
public readonly record struct DrawStats(double LogDensity, double AcceptStat, double StepSize, int TreeDepth, int LeapfrogSteps, bool Divergent, double Energy);

/// <summary>How a run was configured (recorded with its trace and written into Stan-CSV headers).</summary>
/// <param name="Warmup">Warmup iterations per chain.</param>
/// <param name="Draws">Recorded draws per chain.</param>
/// <param name="Thin">Thinning.</param>
/// <param name="SaveWarmup">Whether warmup draws were kept.</param>
/// <param name="TargetAcceptance">δ of step-size adaptation.</param>
/// <param name="MaxTreeDepth">NUTS maximum tree depth.</param>
/// <param name="Metric">"unit_e", "diag_e" or "dense_e" (Stan's names).</param>
/// <param name="ModelName">The model's name.</param>
public sealed record RunInfo(int Warmup, int Draws, int Thin, bool SaveWarmup, double TargetAcceptance, int MaxTreeDepth, string Metric, string ModelName);

/// <summary>How a chain's run ended.</summary>
public enum ChainStatus
{
    /// <summary>Every warmup and sampling iteration ran.</summary>
    Completed,

    /// <summary>Cancelled during warmup: no draws (but the saved warmup draws), the step size and metric not final.</summary>
    CancelledInWarmup,

    /// <summary>Cancelled during sampling: the draws made before it stopped.</summary>
    CancelledInSampling,

    /// <summary>Cancelled before the chain started: no draws, step size NaN.</summary>
    NotStarted,
}

/// <summary>One chain's draws (rows × columns, row-major), statistics and adaptation results.</summary>
public sealed class ChainDraws
{
    /// <summary>Creates a chain record.</summary>
    public ChainDraws(int columns, double[] values, int draws, DrawStats[] stats)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(stats);
        if (values.Length < draws * columns || stats.Length < draws)
        {
            throw new ArgumentException("The arrays hold fewer draws than stated.", nameof(draws));
        }

        Columns = columns;
        Values = values;
        Draws = draws;
        Stats = stats;
    }

    /// <summary>Number of columns per draw.</summary>
    public int Columns { get; }

    /// <summary>Draws × columns, row-major (may be longer than <see cref="Draws"/> rows after a cancellation).</summary>
    public double[] Values { get; }

    /// <summary>Number of draws recorded.</summary>
    public int Draws { get; }

    /// <summary>Per-draw sampler statistics.</summary>
    public DrawStats[] Stats { get; }

    /// <summary>Warmup draws (when they were saved), rows × columns; empty otherwise.</summary>
    public double[] WarmupValues { get; init; } = [];

    /// <summary>Number of saved warmup draws.</summary>
    public int WarmupDraws { get; init; }

    /// <summary>The adapted step size (when cancelled, the last one used; NaN when the chain never started).</summary>
    public double StepSize { get; init; }

    /// <summary>The adapted inverse metric's diagonal.</summary>
    public IReadOnlyList<double> InverseMetricDiagonal { get; init; } = [];

    /// <summary>The adapted dense inverse metric (row-major), when dense.</summary>
    public IReadOnlyList<double>? InverseMetricMatrix { get; init; }

    /// <summary>Wall time of warmup.</summary>
    public TimeSpan WarmupTime { get; init; }

    /// <summary>Wall time of sampling.</summary>
    public TimeSpan SamplingTime { get; init; }

    /// <summary>Gradient evaluations during warmup.</summary>
    public long WarmupGradients { get; init; }

    /// <summary>Gradient evaluations during sampling.</summary>
    public long SamplingGradients { get; init; }

    /// <summary>Stream seed of this chain.</summary>
    public ulong Seed { get; init; }

    /// <summary>How the chain's run ended.</summary>
    public ChainStatus Status { get; init; }

    /// <summary>Value of column <paramref name="column"/> at draw <paramref name="draw"/>.</summary>
    public double this[int draw, int column] => Values[(draw * Columns) + column];
}

/// <summary>
/// Draws of several chains with named columns (constrained parameters, then derived quantities) and Stan's
/// sampler statistics; the input of the diagnostics, the summary and the writers.
/// </summary>
public sealed class PosteriorDraws
{
    /// <summary>Creates a trace.</summary>
    public PosteriorDraws(IReadOnlyList<string> names, IReadOnlyList<ChainDraws> chains, bool completed, string sampler, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(chains);
        if (chains.Count == 0)
        {
            throw new ArgumentException("A trace needs at least one chain.", nameof(chains));
        }

        if (chains.Any(c => c.Columns != names.Count))
        {
            throw new ArgumentException("Every chain must have one column per name.", nameof(chains));
        }

        Names = names;
        Chains = chains;
        Completed = completed;
        Sampler = sampler;
        Seed = seed;
    }

    /// <summary>Column names.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The chains.</summary>
    public IReadOnlyList<ChainDraws> Chains { get; }

    /// <summary>False when the run was cancelled: the chains hold the draws made before it stopped.</summary>
    public bool Completed { get; }

    /// <summary>The sampler's registry name.</summary>
    public string Sampler { get; }

    /// <summary>The run's root seed.</summary>
    public ulong Seed { get; }

    /// <summary>How the run was configured, when the sampler recorded it.</summary>
    public RunInfo? Info { get; init; }

    /// <summary>Draws per chain used by the diagnostics (the shortest chain's count).</summary>
    public int DrawsPerChain => Chains.Min(c => c.Draws);

    /// <summary>Index of column <paramref name="name"/>.</summary>
    public int IndexOf(string name)
    {
        for (int i = 0; i < Names.Count; i++)
        {
            if (Names[i] == name)
            {
                return i;
            }
        }

        throw new KeyNotFoundException($"The trace has no column '{name}'.");
    }

    /// <summary>A column as chains × draws (every chain cut to <see cref="DrawsPerChain"/>).</summary>
    public double[][] Column(int column)
    {
        int n = DrawsPerChain;
        var result = new double[Chains.Count][];
        for (int c = 0; c < Chains.Count; c++)
        {
            result[c] = new double[n];
            for (int i = 0; i < n; i++)
            {
                result[c][i] = Chains[c][i, column];
            }
        }

        return result;
    }

    /// <summary>A column by name as chains × draws.</summary>
    public double[][] Column(string name) => Column(IndexOf(name));

    /// <summary>Number of divergent transitions after warmup, over all chains.</summary>
    public int Divergences => Chains.Sum(c => c.Stats.Take(c.Draws).Count(s => s.Divergent));

    /// <summary>Number of transitions that hit <paramref name="maxTreeDepth"/>.</summary>
    public int TreeDepthHits(int maxTreeDepth) => Chains.Sum(c => c.Stats.Take(c.Draws).Count(s => s.TreeDepth >= maxTreeDepth));

    /// <summary>E-BFMI of each chain's energies.</summary>
    public double[] EnergyBfmi() => Chains.Select(c => Summaries.EnergyBfmi(c.Stats.Take(c.Draws).Select(s => s.Energy).ToArray())).ToArray();

    /// <summary>Total gradient evaluations after warmup.</summary>
    public long SamplingGradients => Chains.Sum(c => c.SamplingGradients);

    /// <summary>The summary table (mean, sd, MCSE, quantiles, R-hat, bulk and tail ESS) with warnings.</summary>
    public PosteriorSummary Summary(int maxTreeDepth = 10) => PosteriorSummary.Compute(this, maxTreeDepth);
}

/// <summary>One row of a <see cref="PosteriorSummary"/>.</summary>
public readonly record struct SummaryRow(string Variable, double Mean, double Sd, double Mcse, double Q5, double Q50, double Q95, double Rhat, double EssBulk, double EssTail);

/// <summary>A summary table like Stan's and posterior's, with warnings.</summary>
public sealed class PosteriorSummary
{
    private PosteriorSummary(IReadOnlyList<SummaryRow> rows, IReadOnlyList<string> warnings)
    {
        Rows = rows;
        Warnings = warnings;
    }

    /// <summary>One row per column of the trace.</summary>
    public IReadOnlyList<SummaryRow> Rows { get; }

    /// <summary>R-hat above 1.01, ESS below 400, divergences, tree-depth saturation, E-BFMI below 0.3, cancellation.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>The row of <paramref name="variable"/>.</summary>
    public SummaryRow this[string variable] => Rows.First(r => r.Variable == variable);

    internal static PosteriorSummary Compute(PosteriorDraws trace, int maxTreeDepth)
    {
        var rows = new List<SummaryRow>();
        var warnings = new List<string>();
        for (int j = 0; j < trace.Names.Count; j++)
        {
            var x = trace.Column(j);
            rows.Add(new SummaryRow(
                trace.Names[j],
                Summaries.Mean(x),
                Summaries.StandardDeviation(x),
                Summaries.McseMean(x),
                Summaries.Quantile(x, 0.05),
                Summaries.Quantile(x, 0.5),
                Summaries.Quantile(x, 0.95),
                Convergence.Rhat(x),
                Convergence.EssBulk(x),
                Convergence.EssTail(x)));
        }

        var highRhat = rows.Where(r => r.Rhat > 1.01).Select(r => r.Variable).ToArray();
        if (highRhat.Length > 0)
        {
            warnings.Add($"R-hat above 1.01 for {highRhat.Length} variable(s): {Shorten(highRhat)}. The chains have not mixed; do not use these draws.");
        }

        var lowEss = rows.Where(r => r.EssBulk < 400 || r.EssTail < 400).Select(r => r.Variable).ToArray();
        if (lowEss.Length > 0)
        {
            warnings.Add($"Bulk or tail ESS below 400 for {lowEss.Length} variable(s): {Shorten(lowEss)}. Run longer chains for reliable estimates.");
        }

        int divergences = trace.Divergences;
        if (divergences > 0)
        {
            int total = trace.Chains.Sum(c => c.Draws);
            warnings.Add(string.Create(CultureInfo.InvariantCulture, $"{divergences} of {total} transitions after warmup diverged: the posterior has regions the sampler cannot explore; reparameterize or raise the target acceptance."));
        }

        int hits = trace.TreeDepthHits(maxTreeDepth);
        if (hits > 0)
        {
            warnings.Add(string.Create(CultureInfo.InvariantCulture, $"{hits} transitions hit the maximum tree depth {maxTreeDepth}: efficiency is limited."));
        }

        var bfmi = trace.EnergyBfmi();
        for (int c = 0; c < bfmi.Length; c++)
        {
            if (bfmi[c] < 0.3)
            {
                warnings.Add(string.Create(CultureInfo.InvariantCulture, $"Chain {c + 1}: E-BFMI {bfmi[c]:F2} below 0.3: momentum resampling explores the energy poorly."));
            }
        }

        if (!trace.Completed)
        {
            warnings.Add("The run was cancelled: these are the draws made before it stopped.");
        }

        return new PosteriorSummary(rows, warnings);
    }

    private static string Shorten(string[] names) => names.Length <= 6 ? string.Join(", ", names) : string.Join(", ", names.Take(6)) + ", …";

    /// <summary>The table as text, one row per variable, then the warnings.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        int width = Math.Max(8, Rows.Count == 0 ? 8 : Rows.Max(r => r.Variable.Length));
        sb.Append("variable".PadRight(width)).AppendLine("      mean        sd      mcse        q5       q50       q95    rhat  ess_bulk  ess_tail");
        foreach (var r in Rows)
        {
            sb.Append(r.Variable.PadRight(width))
              .Append(string.Create(CultureInfo.InvariantCulture, $" {F(r.Mean)} {F(r.Sd)} {F(r.Mcse)} {F(r.Q5)} {F(r.Q50)} {F(r.Q95)} {r.Rhat,7:F3} {r.EssBulk,9:F0} {r.EssTail,9:F0}"))
              .AppendLine();
        }

        foreach (var w in Warnings)
        {
            sb.Append("Warning: ").AppendLine(w);
        }

        return sb.ToString();
    }

    private static string F(double v) => (Math.Abs(v) >= 1e5 || (Math.Abs(v) < 1e-3 && v != 0)
        ? v.ToString("0.00E+0", CultureInfo.InvariantCulture)
        : v.ToString("F3", CultureInfo.InvariantCulture)).PadLeft(9);
}
