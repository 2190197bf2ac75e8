using Inference.Diagnostics;
using Inference.Models;
using Inference.Results;

namespace Inference.Workflow.Comparison;

/// <summary>How every sampler of a comparison runs (the same for all, so the figures compare).</summary>
public sealed record ComparisonSettings
{
    /// <summary>Chains per run.</summary>
    public int Chains { get; init; } = 4;

    /// <summary>Warmup iterations per chain.</summary>
    public int Warmup { get; init; } = 1000;

    /// <summary>Draws per chain.</summary>
    public int Draws { get; init; } = 1000;

    /// <summary>Root seeds: each (target, sampler) pair runs once per seed.</summary>
    public IReadOnlyList<ulong> Seeds { get; init; } = [1];

    /// <summary>Chains run at once within a run.</summary>
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Optimizer steps of the flow fits of flow-based samplers.</summary>
    public int VariationalIterations { get; init; } = 2000;

    /// <summary>Checks the settings before any work.</summary>
    public void Validate()
    {
#pragma warning disable CA2208 // the exceptions name the offending setting
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Chains, nameof(Chains));
        ArgumentOutOfRangeException.ThrowIfNegative(Warmup, nameof(Warmup));
        ArgumentOutOfRangeException.ThrowIfLessThan(Draws, PosteriorSummary.MinimumDrawsForDiagnostics, nameof(Draws));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxDegreeOfParallelism, nameof(MaxDegreeOfParallelism));
        ArgumentOutOfRangeException.ThrowIfNegative(VariationalIterations, nameof(VariationalIterations));
        if (Seeds is null || Seeds.Count == 0)
        {
            throw new ArgumentException("At least one seed is needed.", nameof(Seeds));
        }
#pragma warning restore CA2208
    }
}

/// <summary>A progress report of a comparison.</summary>
/// <param name="CellsDone">Runs finished.</param>
/// <param name="Cells">Runs planned (targets × samplers × seeds).</param>
/// <param name="Target">The target of the run in progress.</param>
/// <param name="Sampler">Its sampler.</param>
/// <param name="Seed">Its seed.</param>
/// <param name="CellFraction">How far the run in progress is, 0 to 1.</param>
public readonly record struct ComparisonProgress(int CellsDone, int Cells, string Target, string Sampler, ulong Seed, double CellFraction);

/// <summary>One run's figures: a target, a sampler, a seed.</summary>
/// <param name="Target">Target name.</param>
/// <param name="Sampler">Sampler name.</param>
/// <param name="Seed">Root seed.</param>
/// <param name="EssBulkMin">Smallest bulk ESS over the judged variables.</param>
/// <param name="EssTailMin">Smallest tail ESS.</param>
/// <param name="EssBulkPer1000Gradients">EssBulkMin per 1000 gradients after warmup (the machine-independent efficiency).</param>
/// <param name="EssBulkPerSecond">EssBulkMin per second of wall time end to end (warmup and any flow fit included).</param>
/// <param name="RhatMax">Largest R-hat.</param>
/// <param name="Divergences">Divergent transitions after warmup.</param>
/// <param name="Transitions">Transitions after warmup.</param>
/// <param name="MaxMeanZ">max |mean − reference mean| / MCSE over the variables with a reference (NaN without one).</param>
/// <param name="MaxQuantileZ">max |q − reference q| / MCSE(q) over q5 and q95 (NaN without a reference).</param>
/// <param name="WallTime">Wall time end to end.</param>
/// <param name="TotalGradients">Every gradient the run cost.</param>
/// <param name="Warnings">The draws' summary warnings and the sampler's notes.</param>
public sealed record ComparisonRow(
    string Target, string Sampler, ulong Seed, double EssBulkMin, double EssTailMin, double EssBulkPer1000Gradients, double EssBulkPerSecond,
    double RhatMax, int Divergences, int Transitions, double MaxMeanZ, double MaxQuantileZ, TimeSpan WallTime, long TotalGradients, IReadOnlyList<string> Warnings)
{
    /// <summary>Every mean and tail quantile within 4 MCSE of the reference (false without a reference).</summary>
    public bool Unbiased => MaxMeanZ < 4 && MaxQuantileZ < 4;
}

/// <summary>
/// Runs several samplers on the same posteriors with the same seeds and gathers the standard figures: ESS per 1000
/// gradients and per second, R-hat, divergences, and the error against reference moments where a reference exists.
/// </summary>
public static class SamplerComparison
{
    /// <summary>Runs every sampler in <paramref name="samplers"/> (registry names) on every target, once per seed.</summary>
    /// <returns>The report; after a cancellation, the runs that finished.</returns>
    public static ComparisonReport Run(IReadOnlyList<ComparisonTarget> targets, IReadOnlyList<string> samplers, ComparisonSettings? settings = null, IProgress<ComparisonProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(samplers);
        settings ??= new ComparisonSettings();
        settings.Validate();
        if (targets.Count == 0 || samplers.Count == 0)
        {
            throw new ArgumentException("At least one target and one sampler are needed.", targets.Count == 0 ? nameof(targets) : nameof(samplers));
        }

        var resolved = samplers.Select(ComparisonSamplers.Get).ToArray();
        int cells = targets.Count * resolved.Length * settings.Seeds.Count, done = 0;
        var rows = new List<ComparisonRow>(cells);
        bool completed = true;
        foreach (var target in targets)
        {
            foreach (var sampler in resolved)
            {
                foreach (ulong seed in settings.Seeds)
                {
                    if (cancellationToken.IsCancellationRequested)
                    {
                        completed = false;
                        break;
                    }

                    int finished = done;
                    var cellProgress = progress is null ? null : new SynchronousProgress<double>(f => progress.Report(new ComparisonProgress(finished, cells, target.Name, sampler.Name, seed, f)));
                    progress?.Report(new ComparisonProgress(done, cells, target.Name, sampler.Name, seed, 0));
                    var outcome = sampler.Run(target.Density, settings, seed, cellProgress, cancellationToken);
                    if (!outcome.Draws.Completed)
                    {
                        completed = false;
                        break;
                    }

                    rows.Add(Judge(target, sampler.Name, seed, outcome));
                    progress?.Report(new ComparisonProgress(++done, cells, target.Name, sampler.Name, seed, 1));
                }
            }
        }

        return new ComparisonReport(rows, settings, completed);
    }

    /// <summary>The figures of one run of <paramref name="sampler"/> on <paramref name="target"/>.</summary>
    public static ComparisonRow Judge(ComparisonTarget target, string sampler, ulong seed, SamplerOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(outcome);
        var draws = outcome.Draws;
        var summary = draws.Summary();
        var judged = target.JudgedVariables.Where(v => draws.Names.Contains(v)).ToArray();
        double essBulk = judged.Min(v => summary[v].EssBulk);
        double essTail = judged.Min(v => summary[v].EssTail);
        double rhat = judged.Max(v => summary[v].Rhat);
        double meanZ = double.NaN, quantileZ = double.NaN;
        if (target.Reference is { } reference)
        {
            var withReference = draws.Names.Where(reference.ContainsKey).ToArray();
            if (withReference.Length > 0)
            {
                // the reference's own error counts too: a sampler more precise than the reference draws would otherwise be
                // judged against the reference's noise (eight schools non-centered: the automatic call's ESS is 2.4× the
                // posteriordb draws', and its q5/q95 z came out 4.3–4.7 against 2.2–2.4 with the reference's error)
                meanZ = withReference.Max(v => Math.Abs(summary[v].Mean - reference[v].Mean) / Math.Sqrt((summary[v].Mcse * summary[v].Mcse) + (reference[v].McseMean * reference[v].McseMean)));
                quantileZ = withReference.Max(v =>
                {
                    var x = draws.Column(v);
                    double inflate = Math.Sqrt(1 + (summary[v].EssBulk / reference[v].EssBulk));
                    double z5 = Math.Abs(summary[v].Q5 - reference[v].Q5) / (Summaries.McseQuantile(x, 0.05) * inflate);
                    double z95 = Math.Abs(summary[v].Q95 - reference[v].Q95) / (Summaries.McseQuantile(x, 0.95) * inflate);
                    return Math.Max(z5, z95);
                });
            }
        }

        double seconds = Math.Max(outcome.WallTime.TotalSeconds, 1e-9);
        var warnings = summary.Warnings.Concat(outcome.Notes).ToArray();
        return new ComparisonRow(
            target.Name, sampler, seed, essBulk, essTail, 1000 * essBulk / Math.Max(1, draws.SamplingGradients), essBulk / seconds, rhat,
            draws.Divergences, draws.CommonDraws * draws.DiagnosedChains.Count, meanZ, quantileZ, outcome.WallTime, outcome.TotalGradients, warnings);
    }

    /// <summary>
    /// A reference posterior of the posteriordb layout as a target: the folder's name is a catalog posterior
    /// (<see cref="PosteriorCatalog.Names"/>), its data.json the data, its reference.json (when present) the reference.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="ArgumentException">The folder's name is not a catalog posterior.</exception>
    public static ComparisonTarget PosteriorFolder(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        var full = Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar);
        if (!Directory.Exists(full))
        {
            throw new DirectoryNotFoundException($"No posterior folder '{folder}'.");
        }

        string name = Path.GetFileName(full);
        var model = PosteriorCatalog.Load(name, Path.GetDirectoryName(full)!);
        string referencePath = Path.Combine(full, "reference.json");
        return new ComparisonTarget(name, model.Compile(), File.Exists(referencePath) ? ComparisonTarget.ReadReference(referencePath) : null);
    }
}
