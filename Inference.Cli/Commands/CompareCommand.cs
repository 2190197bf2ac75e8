using System.CommandLine;
using System.Globalization;
using Inference.Workflow.Comparison;
using Spectre.Console;

namespace Inference.Cli;

/// <summary><c>inference compare POSTERIORS…</c>: several samplers on the same posteriors, with a Markdown and HTML report.</summary>
internal static class CompareCommand
{
    private static readonly string[] Columns = ["target", "sampler", "seed", "ESS/1000 grad", "ESS/s", "R-hat max", "div", "max z mean", "max z q", "wall s"];

    public static Command Create(CliContext context)
    {
        var posteriors = new Argument<DirectoryInfo[]>("posteriors") { Description = "Posterior folders of the posteriordb layout.", Arity = ArgumentArity.OneOrMore };
        var samplers = new Option<string>("--samplers") { Description = "Comma-separated samplers: " + string.Join(", ", ComparisonSamplers.Names) + ".", DefaultValueFactory = _ => "nuts,nuts-dense,mala" };
        var seeds = new Option<string>("--seeds") { Description = "Comma-separated root seeds; each run once per seed.", DefaultValueFactory = _ => "1" };
        var output = new Option<DirectoryInfo?>("--output", "-o") { Description = "Folder for report.md, report.html and the plots (default: comparison)." };
        var run = new RunOptions();
        var command = new Command("compare", "Compare samplers on posteriors: ESS per 1000 gradients and per second, R-hat, divergences, error against reference moments.") { posteriors, samplers, seeds, output };
        run.AddTo(command);
        command.SetAction(parse =>
        {
            var names = InferenceCli.List(parse.GetValue(samplers));
            foreach (var n in names)
            {
                ComparisonSamplers.Get(n);
            }

            var settings = run.Settings(parse, InferenceCli.Seeds(parse.GetValue(seeds)));
            var targets = parse.GetValue(posteriors)!.Select(d => SamplerComparison.PosteriorFolder(d.FullName)).ToArray();
            string outDir = parse.GetValue(output)?.FullName ?? Path.GetFullPath("comparison");
            var console = context.Console;
            int cells = targets.Length * names.Length * settings.Seeds.Count;
            console.MarkupLine(FormattableString.Invariant($"{targets.Length} posterior(s) × {names.Length} sampler(s) × {settings.Seeds.Count} seed(s) = {cells} runs."));
            var report = Rendering.WithProgress(console, "comparison", p => SamplerComparison.Run(
                targets, names, settings, new CellProgress(p), context.CancellationToken));
            var table = new Table { Border = TableBorder.Simple };
            foreach (var c in Columns)
            {
                table.AddColumn(new TableColumn(c) { Alignment = c is "target" or "sampler" ? Justify.Left : Justify.Right });
            }

            foreach (var r in report.Rows)
            {
                table.AddRow(
                    Markup.Escape(r.Target), Markup.Escape(r.Sampler), r.Seed.ToString(CultureInfo.InvariantCulture), F(r.EssBulkPer1000Gradients, "G3"), F(r.EssBulkPerSecond, "F0"),
                    F(r.RhatMax, "F3"), r.Divergences.ToString(CultureInfo.InvariantCulture), F(r.MaxMeanZ, "F1"), F(r.MaxQuantileZ, "F1"), F(r.WallTime.TotalSeconds, "F1"));
            }

            console.Write(table);
            if (report.Rows.Count > 0)
            {
                Rendering.Files(console, report.Write(outDir));
            }

            return report.Completed ? ExitCodes.Success : ExitCodes.Cancelled;
        });
        return command;
    }

    private static string F(double v, string format) => double.IsNaN(v) ? "—" : v.ToString(format, CultureInfo.InvariantCulture);

    private sealed class CellProgress(IProgress<double> inner) : IProgress<ComparisonProgress>
    {
        public void Report(ComparisonProgress value) => inner.Report((value.CellsDone + value.CellFraction) / Math.Max(1, value.Cells));
    }
}
