using System.Diagnostics;
using Inference.Diagnostics;
using Inference.Results;
using Inference.Workflow.Comparison;

namespace Inference.Distributed;

/// <summary>
/// Runs one cell in this process: builds the registered model on the cell's data, runs the named sampler with the
/// cell's seed, and packs draws, diagnostics and timings. A grain and the local runner both call this, so the same
/// cell gives the same draws bit for bit wherever it runs.
/// </summary>
public static class CellExecutor
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> RunningByPlace = new(StringComparer.Ordinal);
    private static int _running;

    /// <summary>Cells running in this process now (every silo of an in-process test cluster counts here).</summary>
    public static int RunningCells => Volatile.Read(ref _running);

    /// <summary>
    /// Runs <paramref name="cell"/>. A failure of the cell's own code (bad data, an unknown model or sampler) is returned
    /// as the result's <see cref="CellResult.Error"/>, not thrown; a cancellation returns the draws made so far
    /// (<see cref="CellResult.Completed"/> false).
    /// </summary>
    public static CellResult Run(GridCell cell, ModelRegistry models, string ranOn = "local", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cell);
        ArgumentNullException.ThrowIfNull(models);
        var watch = Stopwatch.StartNew();
        Interlocked.Increment(ref _running);
        RunningByPlace.AddOrUpdate(ranOn, 1, (_, n) => n + 1);
        try
        {
            cell.Validate();
            var sampler = ComparisonSamplers.Get(cell.Sampler);
            var density = models.Create(cell.Model, cell.Data);
            var outcome = sampler.Run(density, cell.Settings.ToComparisonSettings(cell.Seed), cell.Seed, null, cancellationToken);
            var draws = outcome.Draws;
            var diagnostics = Diagnose(draws, outcome.Notes);

            // the cell's own time ends here: packing the draws for the caller counts as transfer, not as the cell's work
            var cellTime = watch.Elapsed;
            return new CellResult
            {
                Cell = cell,
                Names = draws.Names.ToArray(),
                Chains = draws.Chains.Select(ChainResult.From).ToArray(),
                Completed = draws.Completed,
                TotalGradients = outcome.TotalGradients,
                SamplerTime = outcome.WallTime,
                Notes = outcome.Notes.ToArray(),
                Diagnostics = diagnostics,
                RanOn = ranOn,
                SamplerName = draws.Sampler,
                Info = CellRunInfo.From(draws.Info),
                AreIndependent = draws.AreIndependent,
                CellTime = cellTime,
            };
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new CellResult { Cell = cell, Error = ex.Message, ErrorType = ex.GetType().FullName, RanOn = ranOn, CellTime = watch.Elapsed };
        }
        finally
        {
            RunningByPlace.AddOrUpdate(ranOn, 0, (_, n) => n - 1);
            Interlocked.Decrement(ref _running);
        }
    }

    /// <summary>Cells running now in this process that were started with <paramref name="ranOn"/> as their place.</summary>
    internal static int RunningOn(string ranOn) => RunningByPlace.TryGetValue(ranOn, out int n) ? n : 0;

    private static CellDiagnostics? Diagnose(PosteriorDraws draws, IReadOnlyList<string> notes)
    {
        if (draws.CommonDraws < PosteriorSummary.MinimumDrawsForDiagnostics)
        {
            return null;
        }

        var summary = draws.Summary();
        var rows = draws.Names.Select(n => summary[n]).ToArray();
        return new CellDiagnostics(
            rows.Max(r => r.Rhat), rows.Min(r => r.EssBulk), rows.Min(r => r.EssTail), draws.Divergences,
            summary.Warnings.Concat(notes).ToArray());
    }
}
