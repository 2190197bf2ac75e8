// A sampler comparison and an SBC run as grids on a local Orleans cluster of 3 silos (localhost clustering, one
// process, loopback only). Every silo registers the same models by name; cells carry the model's name, its data and a
// seed. The grid's results equal the same grid run in-process, bit for bit; they are written as a local run writes
// them (Stan-CSV and summary.json per cell) into distributed-output/ (or the folder given with --output DIR).
using Inference.Autodiff;
using Inference.Distributed;
using Inference.Distributions;
using Inference.Modeling;
using Inference.Reference;
using Inference.Workflow.Comparison;

string output = args.Length > 1 && args[0] == "--output" ? args[1] : "distributed-output";
string posteriors = ReferenceData.Posteriors;   // the reference posteriors ship with the repository (reference/posteriors)
var prior = new Normal(0, 1);
void Models(ModelRegistry registry) => registry.Add("normal_normal", data =>
{
    var y = Tensor.FromScalar(data.Scalar("y"));
    return Model.Create("normal_normal", m => m.Observe(Normal.LogProb(m.Tape.Constant(y), m.Parameter("x", prior), 1.0)));
});

await using var cluster = await LocalCluster.StartAsync(silos: 3, models: Models);
Console.WriteLine($"cluster of {cluster.Silos} silos on loopback is up");
var progress = new Progress<GridProgress>(p => Console.Write($"\r  {p.Done}/{p.Total} done, {p.Running} running, {p.Failed} failed, {p.Retries} retried   "));
var runner = GridRunner.Cluster(cluster.Client, new GridOptions { MaxConcurrentCells = Environment.ProcessorCount });

// 1. a sampler comparison: 3 posteriors × 2 samplers × 2 seeds
string[] names = ["eight_schools-eight_schools_noncentered", "sblrc-blr", "kidiq-kidscore_momiq"];
var settings = new ComparisonSettings { Chains = 2, Warmup = 500, Draws = 500, Seeds = [1, 2], MaxDegreeOfParallelism = 1 };
var folders = names.Select(n => Path.Combine(posteriors, n)).ToArray();
var cells = ComparisonGrid.Cells(folders, ["nuts", "mala"], settings);
Console.WriteLine($"comparison grid: {cells.Count} cells");
var result = await runner.RunAsync(cells, progress);
Console.WriteLine();
var report = ComparisonGrid.Report(result, folders.Select(SamplerComparison.PosteriorFolder).ToArray(), settings);
Console.Write(report.ToMarkdown());
var files = result.WriteFiles(Path.Combine(output, "comparison"));
Console.WriteLine($"wrote {files.Count} files under {Path.Combine(output, "comparison")}; the cells ran on {result.Results.Select(r => r.RanOn).Distinct().Count()} silos");

// the same cell in this process gives the same draws, bit for bit
var local = await GridRunner.Local().RunAsync([cells[0]]);
Console.WriteLine($"{cells[0].Key}: cluster and local draws equal bit for bit: {result[cells[0].Key].SameDraws(local[cells[0].Key])}");

// 2. SBC of the normal-normal model: 200 replications, ranks among 99 thinned draws, χ² over 20 bins
var replications = SbcGrid.Replications("normal_normal", "nuts", new CellSettings(Chains: 1, Warmup: 200, Draws: 198), 200, seed: 7, rng =>
{
    double x = rng.Normal();
    return new SbcSimulation(new Dictionary<string, double> { ["x"] = x }, StanJson.From(("y", x + rng.Normal())));
});
Console.WriteLine($"SBC grid: {replications.Count} cells");
var sbc = await runner.RunAsync(replications.Select(r => r.Cell).ToArray(), progress);
Console.WriteLine();
var ranks = SbcGrid.Ranks(replications, sbc, thin: 2);
Console.WriteLine($"SBC ranks of x: χ² = {ranks.ChiSquare("x", 20):F1} over 20 bins (uniform below 36.2, the 1% critical value of χ²(19)); grid wall time {sbc.WallTime.TotalSeconds:F1} s");
