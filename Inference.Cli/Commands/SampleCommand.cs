using System.CommandLine;
using Inference.Plots;
using Inference.Results;
using Inference.Workflow.Comparison;
using Spectre.Console;

namespace Inference.Cli;

/// <summary><c>inference sample POSTERIOR</c>: run a sampler on a posterior folder and write Stan-CSV, a summary and plots.</summary>
internal static class SampleCommand
{
    private static readonly string[] PlotFiles = ["trace.png", "rank.png", "pairs.png"];

    public static Command Create(CliContext context)
    {
        var posterior = new Argument<DirectoryInfo>("posterior") { Description = "A posterior folder of the posteriordb layout (its name a catalog posterior, e.g. reference/posteriors/eight_schools-eight_schools_noncentered)." };
        var sampler = new Option<string>("--sampler", "-s") { Description = "Sampler: " + string.Join(", ", ComparisonSamplers.Names) + ".", DefaultValueFactory = _ => "nuts" };
        var run = new RunOptions();
        var seed = new Option<ulong>("--seed") { Description = "Root seed (chain i uses stream i).", DefaultValueFactory = _ => 1 };
        var output = new Option<DirectoryInfo?>("--output", "-o") { Description = "Folder for output_N.csv, summary.json and plots (default: output-<posterior>)." };
        var plots = new Option<bool>("--plots") { Description = "Also write trace, rank, pairs and energy plots (PNG)." };
        var command = new Command("sample", "Sample a posterior and write Stan-CSV files, a JSON summary and (with --plots) diagnostic plots.") { posterior, sampler, seed, output, plots };
        run.AddTo(command);
        command.SetAction(parse =>
        {
            var folder = parse.GetValue(posterior)!;
            var target = SamplerComparison.PosteriorFolder(folder.FullName);
            var chosen = ComparisonSamplers.Get(parse.GetValue(sampler)!);
            var settings = run.Settings(parse);
            string outDir = parse.GetValue(output)?.FullName ?? Path.GetFullPath("output-" + target.Name);
            var console = context.Console;
            console.MarkupLine($"[bold]{Markup.Escape(target.Name)}[/]: {Markup.Escape(chosen.Description)}; {settings.Chains} chains × ({settings.Warmup} warmup + {settings.Draws} draws), seed {parse.GetValue(seed)}.");
            var outcome = Rendering.WithProgress(console, $"{chosen.Name} on {target.Name}", p => chosen.Run(target.Density, settings, parse.GetValue(seed), p, context.CancellationToken));
            var draws = outcome.Draws;
            var summary = draws.Summary();
            Rendering.Summary(console, summary);
            Rendering.Warnings(console, outcome.Notes);
            var files = StanCsvWriter.WriteAll(draws, outDir).ToList();
            string summaryPath = Path.Combine(outDir, "summary.json");
            JsonSummaryWriter.WriteFile(summary, draws, summaryPath);
            files.Add(summaryPath);
            if (parse.GetValue(plots) && draws.CommonDraws >= 2)
            {
                files.AddRange(WritePlots(draws, target, outDir));
            }

            Rendering.Files(console, files);
            console.MarkupLine(FormattableString.Invariant($"{draws.TotalDraws} draws, {draws.Divergences} divergences, {outcome.WallTime.TotalSeconds:F1} s."));
            return draws.Completed ? ExitCodes.Success : ExitCodes.Cancelled;
        });
        return command;
    }

    internal static IEnumerable<string> WritePlots(PosteriorDraws draws, ComparisonTarget target, string folder)
    {
        var parameters = target.JudgedVariables.Take(DiagnosticPlots.DefaultVariableCount).ToArray();
        var paths = PlotFiles.Select(f => Path.Combine(folder, f)).ToArray();
        DiagnosticPlots.Trace(draws, paths[0], parameters);
        DiagnosticPlots.RankHistograms(draws, paths[1], parameters);
        DiagnosticPlots.Pairs(draws, paths[2], parameters.Take(4).ToArray());
        var written = paths.ToList();
        if (draws.Chains.All(c => c.Stats.Take(c.Draws).All(s => double.IsFinite(s.Energy))))
        {
            string energy = Path.Combine(folder, "energy.png");
            DiagnosticPlots.Energy(draws, energy);
            written.Add(energy);
        }

        return written;
    }
}

/// <summary>The chain-count options shared by <c>sample</c> and <c>compare</c>.</summary>
internal sealed class RunOptions
{
    private readonly Option<int> _chains = new("--chains") { Description = "Chains.", DefaultValueFactory = _ => 4 };
    private readonly Option<int> _warmup = new("--warmup") { Description = "Warmup iterations per chain.", DefaultValueFactory = _ => 1000 };
    private readonly Option<int> _draws = new("--draws") { Description = "Draws per chain.", DefaultValueFactory = _ => 1000 };
    private readonly Option<int> _iterations = new("--vi-iterations") { Description = "Optimizer steps of flow fits (flow-based samplers).", DefaultValueFactory = _ => 2000 };

    public void AddTo(Command command)
    {
        command.Add(_chains);
        command.Add(_warmup);
        command.Add(_draws);
        command.Add(_iterations);
    }

    public ComparisonSettings Settings(ParseResult parse, IReadOnlyList<ulong>? seeds = null)
    {
        var settings = new ComparisonSettings
        {
            Chains = parse.GetValue(_chains),
            Warmup = parse.GetValue(_warmup),
            Draws = parse.GetValue(_draws),
            VariationalIterations = parse.GetValue(_iterations),
            Seeds = seeds ?? [1],
        };
        try
        {
            settings.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"--{ex.ParamName?.ToLowerInvariant()}: {ex.Message}", ex);
        }

        return settings;
    }
}
