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
/// sampler statistics; the input of the diagnostics, the summary and the writers. Chains may hold different numbers
/// of draws (a cancelled run): the diagnostics then use the first <see cref="CommonDraws"/> draws of every chain that
/// has any (see <see cref="DiagnosedChains"/>), and every draw stays in <see cref="Chains"/> and in the writers' output.
/// </summary>
public sealed class PosteriorDraws
{
    private readonly Dictionary<string, int> _index;

    /// <summary>Creates a set of draws.</summary>
    public PosteriorDraws(IReadOnlyList<string> names, IReadOnlyList<ChainDraws> chains, bool completed, string sampler, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(chains);
        if (chains.Count == 0)
        {
            throw new ArgumentException("At least one chain is needed.", nameof(chains));
        }

        if (chains.Any(c => c is null || c.Columns != names.Count))
        {
            throw new ArgumentException("Every chain must have one column per name.", nameof(chains));
        }

        _index = new Dictionary<string, int>(names.Count, StringComparer.Ordinal);
        for (int i = 0; i < names.Count; i++)
        {
            if (!_index.TryAdd(names[i], i))
            {
                throw new ArgumentException($"The column name '{names[i]}' appears twice.", nameof(names));
            }
        }

        Names = names;
        Chains = chains;
        Completed = completed;
        Sampler = sampler;
        Seed = seed;
        DiagnosedChains = Enumerable.Range(0, chains.Count).Where(c => chains[c].Draws > 0).ToArray();
        CommonDraws = DiagnosedChains.Count == 0 ? 0 : DiagnosedChains.Min(c => chains[c].Draws);
    }

    /// <summary>Column names.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The chains, each with every draw it made.</summary>
    public IReadOnlyList<ChainDraws> Chains { get; }

    /// <summary>True when every chain made all its planned iterations; false after a cancellation.</summary>
    public bool Completed { get; }

    /// <summary>The sampler's registry name.</summary>
    public string Sampler { get; }

    /// <summary>The run's root seed.</summary>
    public ulong Seed { get; }

    /// <summary>How the run was configured, when the sampler recorded it.</summary>
    public RunInfo? Info { get; init; }

    /// <summary>
    /// True when the draws are independent (drawn from a fitted variational distribution, not by a Markov chain):
    /// the summary then reports MCSEs for independent draws and no R-hat or ESS.
    /// </summary>
    public bool AreIndependent { get; init; }

    /// <summary>0-based indices of the chains with at least one draw: the chains the diagnostics use.</summary>
    public IReadOnlyList<int> DiagnosedChains { get; }

    /// <summary>
    /// Draws per chain used by the diagnostics: the shortest of the chains with any draws (all chains have the same
    /// number unless the run was cancelled); 0 when no chain drew anything.
    /// </summary>
    public int CommonDraws { get; }

    /// <summary>Every draw made, over all chains.</summary>
    public int TotalDraws => Chains.Sum(c => c.Draws);

    /// <summary>Index of column <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No column has that name.</exception>
    public int IndexOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _index.TryGetValue(name, out int i) ? i : throw VariableNames.NotFound(name, Names);
    }

    /// <summary>
    /// The draws of a variable by name: a column (<c>"mu"</c>, <c>"theta[2]"</c>) or every element of a vector or
    /// matrix (<c>"theta"</c> for <c>theta[1]</c> … <c>theta[8]</c>), each element with all its draws.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No column or indexed variable has that name.</exception>
    public VariableDraws this[string name]
    {
        get
        {
            ArgumentNullException.ThrowIfNull(name);
            if (_index.TryGetValue(name, out int column))
            {
                return new VariableDraws(this, name, [column]);
            }

            string prefix = name + "[";
            int[] elements = Enumerable.Range(0, Names.Count).Where(j => Names[j].StartsWith(prefix, StringComparison.Ordinal)).ToArray();
            return elements.Length > 0 ? new VariableDraws(this, name, elements) : throw VariableNames.NotFound(name, Names);
        }
    }

    /// <summary>
    /// A column as chains × draws for the diagnostics: the first <see cref="CommonDraws"/> draws of each chain in
    /// <see cref="DiagnosedChains"/>.
    /// </summary>
    public double[][] Column(int column)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(column);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(column, Names.Count);
        int n = CommonDraws;
        var result = new double[DiagnosedChains.Count][];
        for (int k = 0; k < result.Length; k++)
        {
            var chain = Chains[DiagnosedChains[k]];
            result[k] = new double[n];
            for (int i = 0; i < n; i++)
            {
                result[k][i] = chain[i, column];
            }
        }

        return result;
    }

    /// <summary>A column by name as chains × draws (see <see cref="Column(int)"/>).</summary>
    public double[][] Column(string name) => Column(IndexOf(name));

    /// <summary>Divergent transitions among the diagnosed draws (every draw after warmup when the run completed).</summary>
    public int Divergences => DiagnosedStats().Count(s => s.Divergent);

    /// <summary>Diagnosed transitions that hit <paramref name="maxTreeDepth"/>.</summary>
    public int TreeDepthHits(int maxTreeDepth) => DiagnosedStats().Count(s => s.TreeDepth >= maxTreeDepth);

    /// <summary>E-BFMI of each diagnosed chain's energies.</summary>
    public double[] EnergyBfmi() => DiagnosedChains.Select(c => Summaries.EnergyBfmi(Chains[c].Stats.Take(CommonDraws).Select(s => s.Energy).ToArray())).ToArray();

    /// <summary>
    /// Gradient evaluations after warmup that produced the diagnosed draws, so that ESS / <c>SamplingGradients</c>
    /// is the efficiency of the draws the ESS was computed from. A chain cut to <see cref="CommonDraws"/> counts its
    /// gradients in proportion.
    /// </summary>
    public long SamplingGradients => DiagnosedChains.Sum(c => Chains[c].Draws == CommonDraws
        ? Chains[c].SamplingGradients
        : (long)Math.Round((double)Chains[c].SamplingGradients * CommonDraws / Chains[c].Draws));

    /// <summary>
    /// The summary table (mean, sd, MCSE, quantiles, R-hat, bulk and tail ESS; for independent draws mean, sd, MCSE
    /// and quantiles) with warnings in words. Tree-depth saturation is judged against the run's own maximum depth.
    /// </summary>
    public PosteriorSummary Summary() => PosteriorSummary.Compute(this, Info?.MaxTreeDepth ?? 0);

    /// <summary>The summary, judging tree-depth saturation against <paramref name="maxTreeDepth"/> (0: not at all).</summary>
    public PosteriorSummary Summary(int maxTreeDepth)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxTreeDepth);
        return PosteriorSummary.Compute(this, maxTreeDepth);
    }

    private IEnumerable<DrawStats> DiagnosedStats() => DiagnosedChains.SelectMany(c => Chains[c].Stats.Take(CommonDraws));
}

/// <summary>
/// The draws of one variable (a scalar column, or every element of a vector or matrix) from a
/// <see cref="PosteriorDraws"/>: all draws of every chain, pooled.
/// </summary>
public sealed class VariableDraws
{
    private readonly PosteriorDraws _draws;
    private readonly int[] _columns;

    internal VariableDraws(PosteriorDraws draws, string name, int[] columns)
    {
        _draws = draws;
        _columns = columns;
        Name = name;
    }

    /// <summary>The name asked for.</summary>
    public string Name { get; }

    /// <summary>The column names (one for a scalar, one per element otherwise).</summary>
    public IReadOnlyList<string> Elements => _columns.Select(j => _draws.Names[j]).ToArray();

    /// <summary>Number of elements.</summary>
    public int Length => _columns.Length;

    /// <summary>Every draw of a scalar variable, chain after chain.</summary>
    public double[] Values => Element(0, requireScalar: true);

    /// <summary>Every draw of element <paramref name="element"/> (0-based), chain after chain.</summary>
    public double[] Element(int element)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(element);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(element, _columns.Length);
        return Element(element, requireScalar: false);
    }

    /// <summary>The posterior mean of a scalar variable.</summary>
    public double Mean => Values.Average();

    /// <summary>The posterior mean of each element.</summary>
    public double[] Means => Enumerable.Range(0, Length).Select(e => Element(e, false).Average()).ToArray();

    /// <summary>The posterior standard deviation of a scalar variable.</summary>
    public double StandardDeviation => Math.Sqrt(DrawMatrix.Variance(Values));

    /// <summary>The quantile of a scalar variable at <paramref name="probability"/> (R's type 7, as posterior).</summary>
    public double Quantile(double probability) => Summaries.Quantile(Values, probability);

    private double[] Element(int element, bool requireScalar)
    {
        if (requireScalar && _columns.Length != 1)
        {
            throw new InvalidOperationException(
                $"'{Name}' has {_columns.Length} elements: use Element(i), Means, or a single element such as draws[\"{_draws.Names[_columns[0]]}\"].");
        }

        int column = _columns[element];
        var values = new double[_draws.TotalDraws];
        int k = 0;
        foreach (var chain in _draws.Chains)
        {
            for (int i = 0; i < chain.Draws; i++)
            {
                values[k++] = chain[i, column];
            }
        }

        return values;
    }
}
