using System.CommandLine;
using Inference.Results;
using Spectre.Console;

namespace Inference.Cli;

/// <summary><c>inference summary FILES…</c>: summarize Stan-CSV files (ours, CmdStan's or rstan's), like CmdStan's stansummary.</summary>
internal static class SummaryCommand
{
    public static Command Create(CliContext context)
    {
        var files = new Argument<FileInfo[]>("files") { Description = "Stan-CSV files, one per chain.", Arity = ArgumentArity.OneOrMore };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the summary as JSON to this file." };
        var command = new Command("summary", "Summarize Stan-CSV files: mean, sd, MCSE, quantiles, R-hat, bulk and tail ESS of lp__ and every variable, with warnings.") { files, json };
        command.SetAction(parse =>
        {
            var paths = parse.GetValue(files)!.Select(f => f.FullName).ToArray();
            foreach (var p in paths.Where(p => !File.Exists(p)))
            {
                throw new FileNotFoundException($"No file '{p}'.", p);
            }

            var draws = StanCsvReader.Read(paths, includeLogDensity: true);
            var summary = draws.Summary();
            context.Console.MarkupLine(FormattableString.Invariant($"{paths.Length} chain(s), draws per chain: {string.Join(", ", summary.DrawsPerChain)}; sampler {draws.Sampler}."));
            Rendering.Summary(context.Console, summary);
            if (parse.GetValue(json) is { } path)
            {
                JsonSummaryWriter.WriteFile(summary, draws, path.FullName);
                Rendering.Files(context.Console, [path.FullName]);
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
