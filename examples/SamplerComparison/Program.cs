// Several samplers on the same reference posteriors, with the same seeds: ESS per 1000 gradients and per second,
// R-hat, divergences, and the error of means and tail quantiles against the posteriors' reference values, written
// as a Markdown and HTML report with plots. `--output DIR` chooses the folder; `--full` runs Stan's 1000 + 1000.
using Inference.Reference;
using Inference.Workflow;
using Inference.Workflow.Comparison;

string output = args.SkipWhile(a => a != "--output").Skip(1).FirstOrDefault() ?? "comparison-output";
bool full = args.Contains("--full");
string posteriors = ReferenceData.Posteriors;   // the reference posteriors ship with the repository (reference/posteriors)
string[] names = ["eight_schools-eight_schools_centered", "eight_schools-eight_schools_noncentered", "synth-rosenbrock2", "kidiq-kidscore_momiq"];
var targets = names.Select(n => SamplerComparison.PosteriorFolder(Path.Combine(posteriors, n))).ToArray();
var settings = full ? new ComparisonSettings() : new ComparisonSettings { Warmup = 500, Draws = 500, VariationalIterations = 1000 };

var report = SamplerComparison.Run(targets, ["nuts", "nuts-dense", "mala", "neutra"], settings, new ConsoleProgress("comparison"));
Console.Write(report.ToMarkdown());
foreach (var path in report.Write(output))
{
    Console.WriteLine("wrote " + path);
}
