// Eight schools both ways. The centered form (theta ~ N(mu, tau)) has a funnel NUTS cannot enter: divergences,
// a stuck chain, R-hat above 1.01, and the summary says so. The non-centered form (theta = mu + tau·z) samples the
// same posterior cleanly. Plots of both go to eight-schools-output/: look at where the divergences sit in pairs.png.
using Inference;
using Inference.Models;
using Inference.Plots;
using Inference.Samplers.Running;
using Inference.Workflow;

string output = args.Length == 2 && args[0] == "--output" ? args[1] : "eight-schools-output";
var settings = new RunSettings { Seed = 11 };
string[] shown = ["mu", "tau", "theta[1]"];
foreach (var (form, model) in new[] { ("centered", EightSchools.Centered()), ("non-centered", EightSchools.NonCentered()) })
{
    var draws = model.Sample(settings, progress: new ConsoleProgress($"NUTS, {form}", chains: settings.Chains));
    var summary = draws.Summary();
    Console.WriteLine($"{form}: {draws.Divergences} divergent transitions; tau mean {summary["tau"].Mean:F2} (q5 {summary["tau"].Q5:F2}), R-hat {summary["tau"].Rhat:F3}, ESS_bulk {summary["tau"].EssBulk:F0}");
    foreach (var warning in summary.Warnings)
    {
        Console.WriteLine("  Warning: " + warning);
    }

    DiagnosticPlots.Pairs(draws, Path.Combine(output, $"{form}-pairs.png"), shown);
    DiagnosticPlots.Trace(draws, Path.Combine(output, $"{form}-trace.png"), shown);
    DiagnosticPlots.RankHistograms(draws, Path.Combine(output, $"{form}-rank.png"), shown);
}

Console.WriteLine($"Pairs, trace and rank plots of both forms are in {Path.GetFullPath(output)}.");
