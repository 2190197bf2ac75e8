using System.Globalization;
using Inference.Workflow.Comparison;

namespace Inference.Distributed;

/// <summary>
/// The sampler comparison (<see cref="SamplerComparison"/>) as a grid: one cell per posterior × sampler × seed, run on
/// a cluster or locally, then judged into the same <see cref="ComparisonReport"/> the in-process comparison gives.
/// </summary>
public static class ComparisonGrid
{
    /// <summary>
    /// The cells of a comparison over posteriordb-layout folders (each folder's name is a registered model, its
    /// data.json the data), in the order <see cref="SamplerComparison.Run"/> runs them: posterior, sampler, seed.
    /// Cell keys are <c>posterior/sampler/seed</c>.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">A folder does not exist.</exception>
    public static IReadOnlyList<GridCell> Cells(IReadOnlyList<string> posteriorFolders, IReadOnlyList<string> samplers, ComparisonSettings settings)
    {
        ArgumentNullException.ThrowIfNull(posteriorFolders);
        ArgumentNullException.ThrowIfNull(samplers);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        if (posteriorFolders.Count == 0 || samplers.Count == 0)
        {
            throw new ArgumentException("At least one posterior and one sampler are needed.", posteriorFolders.Count == 0 ? nameof(posteriorFolders) : nameof(samplers));
        }

        foreach (string s in samplers)
        {
            ComparisonSamplers.Get(s);
        }

        var cellSettings = CellSettings.From(settings);
        var cells = new List<GridCell>();
        foreach (string folder in posteriorFolders)
        {
            string full = Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar);
            string dataPath = Path.Combine(full, "data.json");
            if (!File.Exists(dataPath))
            {
                throw new DirectoryNotFoundException($"No posterior folder with a data.json at '{folder}'.");
            }

            string name = Path.GetFileName(full), data = File.ReadAllText(dataPath);
            foreach (string sampler in samplers)
            {
                foreach (ulong seed in settings.Seeds)
                {
                    cells.Add(new GridCell(string.Create(CultureInfo.InvariantCulture, $"{name}/{sampler}/{seed}"), name, data, sampler, cellSettings, seed));
                }
            }
        }

        return cells;
    }

    /// <summary>
    /// Judges a comparison grid's results against <paramref name="targets"/> (by name; their reference moments give
    /// the errors), in the grid's order: the report <see cref="SamplerComparison.Run"/> gives for the same runs.
    /// </summary>
    /// <exception cref="ArgumentException">A result's model has no target of that name.</exception>
    public static ComparisonReport Report(GridResult result, IReadOnlyList<ComparisonTarget> targets, ComparisonSettings settings)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(settings);
        var byName = targets.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var rows = new List<ComparisonRow>();
        foreach (var r in result.Results.Where(r => r.Succeeded))
        {
            if (!byName.TryGetValue(r.Cell.Model, out var target))
            {
                throw new ArgumentException($"No target named '{r.Cell.Model}' for cell '{r.Cell.Key}'.", nameof(targets));
            }

            var outcome = new SamplerOutcome(r.ToDraws(), r.TotalGradients, r.SamplerTime, r.Notes);
            rows.Add(SamplerComparison.Judge(target, r.Cell.Sampler, r.Cell.Seed, outcome));
        }

        return new ComparisonReport(rows, settings, result.Completed && result.Failed.Count == 0);
    }
}
