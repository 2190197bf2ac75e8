using System.Globalization;
using System.Net;
using System.Text;
using Inference.Plots;
using Inference.Results;

namespace Inference.Workflow.Comparison;

/// <summary>The figures of a sampler comparison, with the tables and plots a report shows.</summary>
public sealed class ComparisonReport
{
    internal ComparisonReport(IReadOnlyList<ComparisonRow> rows, ComparisonSettings settings, bool completed)
    {
        Rows = rows;
        Settings = settings;
        Completed = completed;
    }

    /// <summary>One row per run (target × sampler × seed), in the order run.</summary>
    public IReadOnlyList<ComparisonRow> Rows { get; }

    /// <summary>The settings every run used.</summary>
    public ComparisonSettings Settings { get; }

    /// <summary>False when the comparison was cancelled: <see cref="Rows"/> holds the runs that finished.</summary>
    public bool Completed { get; }

    /// <summary>The targets, in order.</summary>
    public IReadOnlyList<string> Targets => Rows.Select(r => r.Target).Distinct().ToArray();

    /// <summary>The samplers, in order.</summary>
    public IReadOnlyList<string> Samplers => Rows.Select(r => r.Sampler).Distinct().ToArray();

    /// <summary>The rows of one target and sampler (one per seed).</summary>
    public IReadOnlyList<ComparisonRow> Runs(string target, string sampler) => Rows.Where(r => r.Target == target && r.Sampler == sampler).ToArray();

    /// <summary>The table as Markdown: one line per target and sampler, means over seeds (ranges when there are several).</summary>
    public string ToMarkdown()
    {
        var sb = new StringBuilder();
        sb.AppendLine(Invariant($"Sampler comparison: {Settings.Chains} chains × ({Settings.Warmup} warmup + {Settings.Draws} draws), seeds {string.Join(", ", Settings.Seeds)}."));
        sb.AppendLine("ESS is the smallest over the parameters; per second counts wall time end to end (warmup and any flow fit included); z = |estimate − reference| / MCSE.");
        sb.AppendLine();
        sb.AppendLine("| target | sampler | ESS_bulk / 1000 grad | ESS_tail min | ESS_bulk / s | R-hat max | divergences | max z (mean) | max z (q5, q95) | wall s | warnings |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var target in Targets)
        {
            foreach (var sampler in Samplers)
            {
                var runs = Runs(target, sampler);
                if (runs.Count == 0)
                {
                    continue;
                }

                int divergences = runs.Sum(r => r.Divergences), transitions = runs.Sum(r => r.Transitions);
                int warnings = runs.Sum(r => r.Warnings.Count);
                sb.AppendLine(Invariant(
                    $"| {target} | {sampler} | {Figure(runs, r => r.EssBulkPer1000Gradients)} | {Figure(runs, r => r.EssTailMin, "F0")} | {Figure(runs, r => r.EssBulkPerSecond, "F0")} | {runs.Max(r => r.RhatMax):F3} | {divergences} ({100.0 * divergences / Math.Max(1, transitions):F1}%) | {Figure(runs, r => r.MaxMeanZ, "F1")} | {Figure(runs, r => r.MaxQuantileZ, "F1")} | {runs.Average(r => r.WallTime.TotalSeconds):F1} | {warnings} |"));
            }
        }

        if (!Completed)
        {
            sb.AppendLine().AppendLine("The comparison was cancelled: the table holds the runs that finished.");
        }

        return sb.ToString();
    }

    /// <summary>
    /// Writes <c>report.md</c>, <c>report.html</c> and the plots they show (ESS per 1000 gradients and ESS per second,
    /// by target and sampler, as SVG) into <paramref name="folder"/>; returns the paths. Each file is written whole.
    /// </summary>
    public IReadOnlyList<string> Write(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        if (Rows.Count == 0)
        {
            throw new InvalidOperationException("The comparison has no finished runs to report.");
        }

        Directory.CreateDirectory(folder);
        var targets = Targets;
        var samplers = Samplers;
        Dictionary<string, double[]> Series(Func<ComparisonRow, double> figure) => samplers.ToDictionary(
            s => s,
            s => targets.Select(t => Runs(t, s) is { Count: > 0 } runs ? runs.Average(figure) : double.NaN).ToArray());
        string perGradient = Path.Combine(folder, "ess-per-1000-gradients.svg");
        string perSecond = Path.Combine(folder, "ess-per-second.svg");
        DiagnosticPlots.Bars(targets, Series(r => r.EssBulkPer1000Gradients), perGradient, "ESS_bulk per 1000 gradients (after warmup)", "ESS_bulk / 1000 gradients", logScale: true);
        DiagnosticPlots.Bars(targets, Series(r => r.EssBulkPerSecond), perSecond, "ESS_bulk per second (end to end)", "ESS_bulk / s", logScale: true);

        string markdown = ToMarkdown();
        string mdPath = Path.Combine(folder, "report.md");
        AtomicFile.WriteText(mdPath, w =>
        {
            w.WriteLine("# Sampler comparison");
            w.WriteLine();
            w.Write(markdown);
            w.WriteLine();
            w.WriteLine("![ESS per 1000 gradients](ess-per-1000-gradients.svg)");
            w.WriteLine();
            w.WriteLine("![ESS per second](ess-per-second.svg)");
            WriteWarnings(w, markdown: true);
        });

        string htmlPath = Path.Combine(folder, "report.html");
        AtomicFile.WriteText(htmlPath, w =>
        {
            w.WriteLine("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Sampler comparison</title>");
            w.WriteLine("<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child,td:nth-child(2){text-align:left}</style></head><body>");
            w.WriteLine("<h1>Sampler comparison</h1>");
            var lines = markdown.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            foreach (var line in lines.TakeWhile(l => !l.StartsWith('|')))
            {
                w.WriteLine($"<p>{WebUtility.HtmlEncode(line)}</p>");
            }

            w.WriteLine("<table>");
            bool header = true;
            foreach (var line in lines.Where(l => l.StartsWith('|') && !l.StartsWith("|---", StringComparison.Ordinal)))
            {
                var cells = line.Trim().Trim('|').Split('|').Select(c => WebUtility.HtmlEncode(c.Trim()));
                string tag = header ? "th" : "td";
                w.WriteLine("<tr>" + string.Concat(cells.Select(c => $"<{tag}>{c}</{tag}>")) + "</tr>");
                header = false;
            }

            w.WriteLine("</table>");
            w.WriteLine("<p><img src=\"ess-per-1000-gradients.svg\" alt=\"ESS per 1000 gradients\"></p>");
            w.WriteLine("<p><img src=\"ess-per-second.svg\" alt=\"ESS per second\"></p>");
            WriteWarnings(w, markdown: false);
            w.WriteLine("</body></html>");
        });

        return [mdPath, htmlPath, perGradient, perSecond];
    }

    private void WriteWarnings(TextWriter w, bool markdown)
    {
        var withWarnings = Rows.Where(r => r.Warnings.Count > 0).ToArray();
        if (withWarnings.Length == 0)
        {
            return;
        }

        w.WriteLine(markdown ? "\n## Warnings\n" : "<h2>Warnings</h2><ul>");
        foreach (var row in withWarnings)
        {
            foreach (var warning in row.Warnings)
            {
                string text = Invariant($"{row.Target}, {row.Sampler}, seed {row.Seed}: {warning}");
                w.WriteLine(markdown ? "- " + text : "<li>" + WebUtility.HtmlEncode(text) + "</li>");
            }
        }

        if (!markdown)
        {
            w.WriteLine("</ul>");
        }
    }

    private static string Figure(IReadOnlyList<ComparisonRow> runs, Func<ComparisonRow, double> figure, string format = "G3")
    {
        var values = runs.Select(figure).ToArray();
        if (values.All(double.IsNaN))
        {
            return "—";
        }

        string mean = values.Average().ToString(format, CultureInfo.InvariantCulture);
        return values.Length == 1 ? mean : mean + " (" + values.Min().ToString(format, CultureInfo.InvariantCulture) + "–" + values.Max().ToString(format, CultureInfo.InvariantCulture) + ")";
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
