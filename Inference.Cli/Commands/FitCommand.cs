using System.CommandLine;
using Inference.Flows;
using Inference.Flows.Variational;
using Inference.Plots;
using Inference.Results;
using Inference.Workflow.Comparison;
using Spectre.Console;

namespace Inference.Cli;

/// <summary><c>inference fit POSTERIOR</c>: fit a normalizing flow by reverse KL, judge it with PSIS, write the flow and its draws.</summary>
internal static class FitCommand
{
    private static readonly Dictionary<string, FlowKind> Flows = new(StringComparer.OrdinalIgnoreCase)
    {
        ["realnvp"] = FlowKind.RealNvp,
        ["iaf"] = FlowKind.InverseAutoregressive,
        ["nsf"] = FlowKind.NeuralSpline,
        ["meanfield"] = FlowKind.MeanField,
        ["fullrank"] = FlowKind.FullRank,
    };

    public static Command Create(CliContext context)
    {
        var posterior = new Argument<DirectoryInfo>("posterior") { Description = "A posterior folder of the posteriordb layout." };
        var flow = new Option<string>("--flow") { Description = "Flow: " + string.Join(", ", Flows.Keys) + ".", DefaultValueFactory = _ => "realnvp" };
        var iterations = new Option<int>("--iterations") { Description = "Optimizer steps.", DefaultValueFactory = _ => 2000 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the fit and of the draws.", DefaultValueFactory = _ => 1 };
        var draws = new Option<int>("--draws") { Description = "Independent draws to write from the fitted flow.", DefaultValueFactory = _ => 4000 };
        var output = new Option<DirectoryInfo?>("--output", "-o") { Description = "Folder for flow.json, vi_1.csv, summary.json and elbo.png (default: fit-<posterior>)." };
        var command = new Command("fit", "Fit a normalizing flow to a posterior by reverse KL (variational inference) and judge it with PSIS k̂.") { posterior, flow, iterations, seed, draws, output };
        command.SetAction(parse =>
        {
            string flowName = parse.GetValue(flow)!;
            if (!Flows.TryGetValue(flowName, out var kind))
            {
                throw new ArgumentException($"--flow: '{flowName}' is not one of {string.Join(", ", Flows.Keys)}.");
            }

            int count = parse.GetValue(draws);
            if (count < 10)
            {
                throw new ArgumentException($"--draws: {count} is too few (at least 10).");
            }

            var target = SamplerComparison.PosteriorFolder(parse.GetValue(posterior)!.FullName);
            var options = new VariationalOptions { Iterations = parse.GetValue(iterations), Seed = parse.GetValue(seed) };
            options.Validate();
            string outDir = parse.GetValue(output)?.FullName ?? Path.GetFullPath("fit-" + target.Name);
            var console = context.Console;
            console.MarkupLine($"[bold]{Markup.Escape(target.Name)}[/]: {kind} flow, {options.Iterations} steps of batch {options.BatchSize}, seed {options.Seed}.");
            var fit = Rendering.WithProgress(console, $"fitting {flowName}", p =>
                target.Density.Fit(kind, options, new FractionProgress(p), context.CancellationToken));
            console.MarkupLine(FormattableString.Invariant($"ELBO {fit.Elbo:F3} ± {fit.ElboStandardError:F3}; PSIS k̂ {fit.ParetoK:F2}: {Markup.Escape(fit.Verdict)}."));
            var sample = fit.Draws(count, options.Seed + 1);
            Rendering.Summary(console, sample.Summary());
            Rendering.Warnings(console, fit.Warnings);
            Directory.CreateDirectory(outDir);
            string flowPath = Path.Combine(outDir, "flow.json");
            AtomicFile.Write(flowPath, s => FlowSerializer.Save(fit.Flow.Transform, s));
            var files = new List<string> { flowPath };
            files.AddRange(StanCsvWriter.WriteAll(sample, outDir, "vi"));
            string summaryPath = Path.Combine(outDir, "summary.json");
            JsonSummaryWriter.WriteFile(sample.Summary(), sample, summaryPath);
            files.Add(summaryPath);
            if (fit.ElboHistory.Count(double.IsFinite) >= 2)
            {
                string elbo = Path.Combine(outDir, "elbo.png");
                DiagnosticPlots.ElboCurve(fit.ElboHistory, elbo, $"ELBO of the {flowName} fit to {target.Name}");
                files.Add(elbo);
            }

            Rendering.Files(console, files);
            return fit.Completed ? ExitCodes.Success : ExitCodes.Cancelled;
        });
        return command;
    }

    private sealed class FractionProgress(IProgress<double> inner) : IProgress<FitProgress>
    {
        public void Report(FitProgress value) => inner.Report((double)value.Iteration / Math.Max(1, value.Iterations));
    }
}
