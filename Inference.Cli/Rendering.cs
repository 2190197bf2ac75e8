using System.Globalization;
using Inference.Results;
using Spectre.Console;

namespace Inference.Cli;

/// <summary>Tables, warnings and progress bars on the console.</summary>
internal static class Rendering
{
    /// <summary>Runs <paramref name="work"/> with a progress bar per named step, each fed from 0 to 1.</summary>
    public static T WithProgress<T>(IAnsiConsole console, string description, Func<IProgress<double>, T> work)
    {
        T result = default!;
        console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(description), maxValue: 1);
                result = work(new Reporter(v => task.Value = Math.Clamp(v, task.Value, 1)));
                task.Value = 1;
            });
        return result;
    }

    /// <summary>The summary as a table (Stan's columns; no R-hat or ESS for independent draws), then its warnings.</summary>
    public static void Summary(IAnsiConsole console, PosteriorSummary summary, string? title = null)
    {
        var table = new Table { Border = TableBorder.Simple };
        if (title is not null)
        {
            table.Title = new TableTitle(Markup.Escape(title));
        }

        string[] columns = summary.AreIndependent
            ? ["variable", "mean", "sd", "mcse", "q5", "q50", "q95"]
            : ["variable", "mean", "sd", "mcse", "q5", "q50", "q95", "rhat", "ess_bulk", "ess_tail"];
        foreach (var c in columns)
        {
            table.AddColumn(new TableColumn(c) { Alignment = c == "variable" ? Justify.Left : Justify.Right });
        }

        foreach (var r in summary.Rows)
        {
            var cells = new List<string>
            {
                Markup.Escape(r.Variable), V(r.Mean), V(r.Sd), V(r.Mcse), V(r.Q5), V(r.Q50), V(r.Q95),
            };
            if (!summary.AreIndependent)
            {
                cells.Add(double.IsNaN(r.Rhat) ? "NaN" : r.Rhat.ToString("F3", CultureInfo.InvariantCulture));
                cells.Add(double.IsNaN(r.EssBulk) ? "NaN" : r.EssBulk.ToString("F0", CultureInfo.InvariantCulture));
                cells.Add(double.IsNaN(r.EssTail) ? "NaN" : r.EssTail.ToString("F0", CultureInfo.InvariantCulture));
            }

            table.AddRow(cells.ToArray());
        }

        console.Write(table);
        Warnings(console, summary.Warnings);
    }

    /// <summary>Each warning on its own line, marked.</summary>
    public static void Warnings(IAnsiConsole console, IEnumerable<string> warnings)
    {
        foreach (var w in warnings)
        {
            console.MarkupLine("[yellow]Warning:[/] " + Markup.Escape(w));
        }
    }

    /// <summary>The files written, one per line.</summary>
    public static void Files(IAnsiConsole console, IEnumerable<string> paths)
    {
        foreach (var p in paths)
        {
            console.MarkupLine("[grey]wrote[/] " + Markup.Escape(p));
        }
    }

    private static string V(double v) => double.IsNaN(v) ? "NaN" : PosteriorSummary.FormatValue(v);

    /// <summary>An <see cref="IProgress{T}"/> that reports on the calling thread (chains report from theirs).</summary>
    private sealed class Reporter(Action<double> report) : IProgress<double>
    {
        private readonly Lock _gate = new();

        public void Report(double value)
        {
            lock (_gate)
            {
                report(value);
            }
        }
    }
}
