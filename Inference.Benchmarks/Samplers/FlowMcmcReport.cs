using System.Diagnostics;
using System.Globalization;
using Inference.Densities;
using Inference.Flows;
using Inference.Flows.Variational;
using Inference.Modeling;
using Inference.Models;
using Inference.Randomness;
using Inference.Results;
using Inference.Samplers.Hamiltonian;
using Inference.Samplers.Reparam;
using Inference.Samplers.Running;

namespace Inference.Benchmarks.Samplers;

/// <summary>
/// `dotnet run -c Release --project Inference.Benchmarks -- flow-mcmc-report [seeds=3] [posteriors=a,b]
/// [methods=nuts,nuts-dense,neutra:iaf:default,…]`: each method on each posterior (4 chains × 1000 draws unless the
/// method says otherwise), judged against the reference: ESS_bulk per 1000 gradients (of the sampled density, after
/// warmup), ESS_bulk per second end to end (Laplace and flow fits included, wall time), the worst z of the means and of
/// q5/q95 (|estimate − ref| / MCSE over every parameter), divergent transitions, the flow's k̂, and the result's warnings.
/// Methods: nuts, nuts-dense, neutra:FLOW:START (FLOW iaf, realnvp or nsf; START default or laplace).
/// </summary>
internal static class FlowMcmcReport
{
    public static void Run(string[] args)
    {
        var inv = CultureInfo.InvariantCulture;
        var settings = args.Select(a => a.Split('=', 2)).ToDictionary(a => a[0], a => a.Length > 1 ? a[1] : "");
        string Get(string key, string fallback) => settings.TryGetValue(key, out var v) ? v : fallback;
        int seeds = int.Parse(Get("seeds", "3"), inv);
        string[] posteriors = Get("posteriors", "synth-funnel10,synth-rosenbrock2,eight_schools-eight_schools_centered,synth-gauss100_rot").Split(',');
        string[] methods = Get("methods", "nuts,nuts-dense,neutra:iaf:default,neutra:realnvp:default").Split(',');
        int iterations = int.Parse(Get("iterations", "2000"), inv);
        Console.WriteLine(string.Create(inv, $"{seeds} seed(s); ESS/1000 grads and ESS/s: mean over seeds; z: worst seed; div: total share"));
        Console.WriteLine("| posterior | method | ESS/1000 grad | ESS/s (end to end) | max z mean | max z q5/q95 | div % | k̂ | s | unbiased seeds | warnings (first seed) |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var posterior in posteriors)
        {
            var model = PosteriorCatalog.Load(posterior, ReferenceData.Posteriors).Compile();
            foreach (var method in methods)
            {
                double essPerGrad = 0, essPerSecond = 0, zMean = 0, zQ = 0, k = 0, seconds = 0;
                long divergent = 0, transitions = 0;
                int unbiased = 0;
                string warnings = "";
                for (int seed = 1; seed <= seeds; seed++)
                {
                    var watch = Stopwatch.StartNew();
                    var (draws, paretoK, words) = RunMethod(method, model, (ulong)seed, iterations);
                    double wall = watch.Elapsed.TotalSeconds;
                    var cmp = ReferenceComparison.Of(draws, posterior);
                    essPerGrad += 1000 * cmp.EssBulkMin / draws.SamplingGradients / seeds;
                    essPerSecond += cmp.EssBulkMin / wall / seeds;
                    zMean = Math.Max(zMean, cmp.MaxZMean);
                    zQ = Math.Max(zQ, cmp.MaxZQuantile);
                    k = Math.Max(k, paretoK);
                    seconds += wall / seeds;
                    divergent += draws.Divergences;
                    transitions += draws.Chains.Sum(c => c.Draws);
                    unbiased += cmp.Unbiased ? 1 : 0;
                    if (seed == 1)
                    {
                        warnings = string.Join(" / ", words.Select(w => w.Length > 90 ? w[..90] + "…" : w));
                    }

                    Console.Error.WriteLine(string.Create(inv, $"  {posterior} {method} seed {seed}: {cmp}, k̂ {paretoK:F2}, {wall:F1} s"));
                }

                Console.WriteLine(string.Create(inv, $"| {posterior} | {method} | {essPerGrad:F2} | {essPerSecond:F1} | {zMean:F1} | {zQ:F1} | {100.0 * divergent / transitions:F2} | {(double.IsNaN(k) ? "—" : k.ToString("F2", inv))} | {seconds:F1} | {unbiased}/{seeds} | {warnings} |"));
            }
        }
    }

    private static (PosteriorDraws Draws, double ParetoK, IReadOnlyList<string> Warnings) RunMethod(string method, CompiledModel model, ulong seed, int iterations)
    {
        var parts = method.Split(':');
        switch (parts[0])
        {
            case "nuts":
            case "nuts-dense":
            {
                var draws = ChainRunner.Nuts(model, new RunSettings { Seed = seed, Metric = parts[0] == "nuts" ? MetricKind.Diagonal : MetricKind.Dense });
                return (draws, double.NaN, draws.Summary().Warnings);
            }

            case "neutra":
            {
                var fit = Fit(model, parts[1], parts[2] == "laplace", seed, iterations);
                var result = NeuTra.Sample(model, fit, new RunSettings { Seed = seed, Warmup = 500 });
                return (result.Draws, fit.ParetoK, result.Warnings);
            }

            default:
                throw new ArgumentException($"Unknown method {method}.", nameof(method));
        }
    }

    internal static FitResult Fit(CompiledModel model, string flowName, bool laplace, ulong seed, int iterations)
    {
        var flow = Inference.Benchmarks.Flows.FlowReport.Create(flowName, model.Dimension, new Rng(100 + seed));
        if (laplace)
        {
            flow = flow.Whiten(LaplaceApproximation.Fit(model));
        }

        return VariationalFit.Run(flow, model, new VariationalOptions { Iterations = iterations, Seed = 200 + seed });
    }
}
