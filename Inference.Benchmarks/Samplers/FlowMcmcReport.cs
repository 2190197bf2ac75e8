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
/// Methods: nuts, nuts-dense, neutra:FLOW:START[:GLOBAL[:DELTA[:DRAWS]]] (FLOW iaf, realnvp, nsf, or the smaller realnvp-s,
/// iaf-s, realnvp-m; START default or laplace; GLOBAL independence moves per NUTS transition; DELTA the target acceptance).
/// </summary>
internal static class FlowMcmcReport
{
    private static string PosteriorName { get; set; } = "";

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
            PosteriorName = posterior;
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
                    transitions += draws.Chains.Sum(c => c.Stats.Take(c.Draws).Count(s => !double.IsNaN(s.Energy)));
                    unbiased += cmp.Unbiased ? 1 : 0;
                    if (seed == 1)
                    {
                        warnings = string.Join(" / ", words.Select(w => w.Length > 90 ? w[..90] + "…" : w));
                    }

                    Console.Error.WriteLine(string.Create(inv, $"  {posterior} {method} seed {seed}: {cmp}, k̂ {paretoK:F2}, {wall:F1} s"));
                    if (settings.ContainsKey("verbose"))
                    {
                        Console.Error.WriteLine(draws.Summary().ToString());
                    }
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
                var watch = Stopwatch.StartNew();
                var fit = Fit(model, parts[1], parts[2] == "laplace", seed, iterations);
                double fitSeconds = watch.Elapsed.TotalSeconds;
                watch.Restart();
                int global = parts.Length > 3 ? int.Parse(parts[3], CultureInfo.InvariantCulture) : 0;
                double delta = parts.Length > 4 ? double.Parse(parts[4], CultureInfo.InvariantCulture) : 0.8;
                int draws = parts.Length > 5 ? int.Parse(parts[5], CultureInfo.InvariantCulture) : 1000;
                int nu = parts.Length > 6 ? int.Parse(parts[6], CultureInfo.InvariantCulture) : 5;
                var result = NeuTra.Sample(model, fit, new RunSettings { Seed = seed, Warmup = 500, Draws = draws, TargetAcceptance = delta }, new NeuTraOptions { GlobalSteps = global, GlobalDegreesOfFreedom = nu });
                long grads = result.Draws.SamplingGradients + result.Draws.Chains.Sum(c => c.WarmupGradients);
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    fit {fitSeconds:F1} s, sampling {watch.Elapsed.TotalSeconds:F1} s wall, {grads} gradients, {1e6 * result.Draws.Chains.Sum(c => (c.WarmupTime + c.SamplingTime).TotalSeconds) / grads:F1} µs per gradient (chain time)"));
                return (result.Draws, fit.ParetoK, result.Warnings);
            }

            case "neutra-refit":
            {
                // reverse KL, a pilot NeuTra run, the forward-KL refit on its draws, then NeuTra on the refitted flow
                var rng = new Rng(100 + seed);
                var flow = parts[1] == "iaf-s" ? FlowDistribution.MaskedAutoregressive(model.Dimension, 4, [32, 32], rng) : FlowDistribution.RealNvp(model.Dimension, 4, [32, 32], rng);
                var fit = VariationalFit.Run(flow, model, new VariationalOptions { Iterations = iterations, Seed = 200 + seed });
                int global = int.Parse(parts[2], CultureInfo.InvariantCulture);
                var options = new NeuTraOptions { GlobalSteps = global, GlobalDegreesOfFreedom = 3 };
                var pilot = NeuTra.Sample(model, fit, new RunSettings { Seed = seed, Warmup = 300, Draws = 500, TargetAcceptance = 0.9 }, options);
                var refit = Inference.Workflow.Automatic.TransportMaps.RefitOnDraws(fit.Flow, model, pilot.Draws, int.Parse(parts[3], CultureInfo.InvariantCulture), 300 + seed);
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    pilot k̂ {fit.ParetoK:F2} ELBO {fit.Elbo:F3} → refit k̂ {refit.ParetoK:F2} ELBO {refit.Elbo:F3}; pilot {ReferenceComparison.Of(pilot.Draws, model.Model.Name == "" ? "" : PosteriorName)}"));
                var result = NeuTra.Sample(model, refit, new RunSettings { Seed = seed + 1000, Warmup = 300, Draws = 2000, TargetAcceptance = 0.9 }, options);
                return (result.Draws, refit.ParetoK, result.Warnings);
            }

            default:
                throw new ArgumentException($"Unknown method {method}.", nameof(method));
        }
    }

    internal static FitResult Fit(CompiledModel model, string flowName, bool laplace, ulong seed, int iterations)
    {
        var rng = new Rng(100 + seed);
        int d = model.Dimension;
        var flow = flowName switch
        {
            "realnvp-s" => FlowDistribution.RealNvp(d, 4, [32, 32], rng),
            "iaf-s" => FlowDistribution.MaskedAutoregressive(d, 4, [32, 32], rng),
            "realnvp-m" => FlowDistribution.RealNvp(d, 6, [48, 48], rng),
            "iaf-m" => FlowDistribution.MaskedAutoregressive(d, 6, [48, 48], rng),
            _ => Inference.Benchmarks.Flows.FlowReport.Create(flowName, d, rng),
        };
        if (laplace)
        {
            flow = flow.Whiten(LaplaceApproximation.Fit(model));
        }

        return VariationalFit.Run(flow, model, new VariationalOptions { Iterations = iterations, Seed = 200 + seed });
    }
}
