using System.Diagnostics;
using System.Globalization;
using Inference.Densities;
using Inference.Flows;
using Inference.Flows.Variational;
using Inference.Modeling;
using Inference.Models;
using Inference.Randomness;
using Inference.Results;
using Inference.Autodiff;
using Inference.Diagnostics;
using Inference.Samplers.Hamiltonian;
using Inference.Samplers.Population;
using Inference.Workflow.FlowMc;
using Inference.Samplers.Reparam;
using Inference.Samplers.Running;

namespace Inference.Benchmarks.Samplers;

/// <summary>
/// `dotnet run -c Release --project Inference.Benchmarks -- flow-mcmc-report [seeds=3] [posteriors=a,b]
/// [methods=nuts,nuts-dense,neutra:iaf:default,…]`: each method on each posterior (4 chains × 1000 draws unless the
/// method says otherwise), judged against the reference: ESS_bulk per 1000 gradients (of the sampled density, after
/// warmup), ESS_bulk per second end to end (Laplace and flow fits included, wall time), the worst z of the means and of
/// q5/q95 (|estimate − ref| / MCSE over every parameter), divergent transitions, the flow's k̂, and the result's warnings.
/// `… flow-mcmc-report flowmc-checks [seeds=3]` prints the flowMC checks (2-D mixture, dual moon) instead.
/// Methods: nuts, nuts-dense, flowmc, auto[:MAXGLOBAL[:REFIT[:FAMILY[:LAYERS:HIDDEN]]]], neutra:FLOW:START[:GLOBAL[:DELTA[:DRAWS]]] (FLOW iaf, realnvp, nsf, or the smaller realnvp-s,
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
        if (args.Contains("flowmc-checks"))
        {
            FlowMcChecks(int.Parse(Get("seeds", "3"), inv));
            return;
        }

        string[] methods = Get("methods", "nuts,nuts-dense,neutra:iaf:default,neutra:realnvp:default,neutra:realnvp:laplace,flowmc,auto").Split(',');
        int iterations = int.Parse(Get("iterations", "2000"), inv);
        Console.WriteLine(string.Create(inv, $"{seeds} seed(s); ESS/1000 grads and ESS/s: mean over seeds; z: worst seed; div: total share"));
        Console.WriteLine("| posterior | method | ESS/1000 grad | ESS/s (end to end) | max z mean | max z q5/q95 | div % | k̂ | s | unbiased seeds | warnings (first seed) |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var posterior in posteriors)
        {
            PosteriorName = posterior;
            var model = PosteriorCatalog.Load(posterior, ReferenceData.Posteriors).Compile();
            var rows = methods.ToDictionary(m => m, _ => new Row());
            // the methods alternate within each seed, so the machine's load falls on all of them alike
            for (int seed = 1; seed <= seeds; seed++)
            {
                foreach (var method in methods)
                {
                    var watch = Stopwatch.StartNew();
                    var (draws, paretoK, words) = RunMethod(method, model, (ulong)seed, iterations);
                    double wall = watch.Elapsed.TotalSeconds;
                    var cmp = ReferenceComparison.Of(draws, posterior);
                    rows[method].Add(cmp, draws, wall, paretoK, seed == 1 ? words : null, seeds);
                    Console.Error.WriteLine(string.Create(inv, $"  {posterior} {method} seed {seed}: {cmp}, k̂ {paretoK:F2}, {wall:F1} s"));
                    if (settings.ContainsKey("verbose"))
                    {
                        Console.Error.WriteLine(draws.Summary().ToString());
                    }
                }
            }

            foreach (var method in methods)
            {
                Console.WriteLine($"| {posterior} | {method} | {rows[method]} |");
            }
        }
    }

    /// <summary>
    /// The flowMC checks of the issue: the 2-D mixture of unit Gaussians 10 sd apart (weights 2:1, walkers split evenly
    /// between the modes) with and without global moves, and the dual moon in d = 5 (quadrant shares, R-hat).
    /// </summary>
    private static void FlowMcChecks(int seeds)
    {
        var inv = CultureInfo.InvariantCulture;
        var mixture = LogDensity.FromTape(2, x =>
        {
            var x0 = Ops.Slice(x, 0, 1);
            var x1 = Ops.Slice(x, 1, 1);
            var left = Math.Log(2.0 / 3) - (0.5 * (Ops.Square(x0 + 5.0) + Ops.Square(x1)));
            var right = Math.Log(1.0 / 3) - (0.5 * (Ops.Square(x0 - 5.0) + Ops.Square(x1)));
            return Ops.Sum(Ops.LogSumExp(Ops.Concat([left, right], 0), 0));
        });
        Console.WriteLine("| target | run | seed | heavier weight / quadrant shares | MCSE | global acceptance | local acceptance | R-hat | s |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
        for (int seed = 1; seed <= seeds; seed++)
        {
            foreach (bool localOnly in new[] { false, true })
            {
                var watch = Stopwatch.StartNew();
                var proposal = new DefensiveProposal(FlowProposal.Default(2, new Rng((ulong)seed)));
                var starts = Enumerable.Range(0, 20).Select(c => new[] { c % 2 == 0 ? -5.0 : 5.0, 0.0 }).ToArray();
                var result = FlowMc.Sample(mixture, proposal, new FlowMcOptions { LocalOnly = localOnly, Seed = (ulong)seed, InitialPositions = starts });
                var left = result.Draws.Column(0).Select(c => c.Select(v => v < 0 ? 1.0 : 0.0).ToArray()).ToArray();
                Console.WriteLine(string.Create(inv, $"| mixture 2:1 | {(localOnly ? "local only" : "flowMC")} | {seed} | {Summaries.Mean(left):F3} | {Summaries.McseMean(left):F3} | {result.GlobalAcceptance:F2} | {result.LocalAcceptance:F2} | {Convergence.Rhat(result.Draws.Column(0)):F3} | {watch.Elapsed.TotalSeconds:F1} |"));
            }

            foreach (bool localOnly in new[] { false, true })
            {
                var watch = Stopwatch.StartNew();
                var proposal = new DefensiveProposal(new FlowProposal(FlowDistribution.RealNvp(5, 6, [32, 32], new Rng((ulong)seed))));
                var result = FlowMc.Sample(DualMoon(), proposal, new FlowMcOptions { LocalOnly = localOnly, Seed = (ulong)seed });
                var x0 = result.Draws.Column(0);
                var x1 = result.Draws.Column(1);
                var shares = new List<string>();
                double worstMcse = 0;
                for (int q = 0; q < 4; q++)
                {
                    double s0 = q % 2 == 0 ? 1 : -1, s1 = q < 2 ? 1 : -1;
                    var inside = x0.Select((c, k) => c.Select((v, i) => v * s0 > 0 && x1[k][i] * s1 > 0 ? 1.0 : 0.0).ToArray()).ToArray();
                    shares.Add(Summaries.Mean(inside).ToString("F3", inv));
                    worstMcse = Math.Max(worstMcse, Summaries.McseMean(inside));
                }

                double rhat = Math.Max(Convergence.Rhat(x0), Convergence.Rhat(x1));
                Console.WriteLine(string.Create(inv, $"| dual moon d = 5 | {(localOnly ? "local only" : "flowMC")} | {seed} | {string.Join(" ", shares)} | {worstMcse:F3} | {result.GlobalAcceptance:F2} | {result.LocalAcceptance:F2} | {rhat:F3} | {watch.Elapsed.TotalSeconds:F1} |"));
            }
        }
    }

    /// <summary>flowMC's dual-moon tutorial target (§7 of the algorithm notes).</summary>
    private static ILogDensity DualMoon() => LogDensity.FromTape(5, x =>
    {
        var r = Ops.Sqrt(Ops.Dot(x, x));
        var x0 = Ops.Slice(x, 0, 1);
        var x1 = Ops.Slice(x, 1, 1);
        static Var LogSumExp2(Var a, Var b) => Ops.Sum(Ops.LogSumExp(Ops.Concat([a, b], 0), 0));
        return (-0.5 * Ops.Square((r - 2.0) / 0.1))
            + LogSumExp2(-0.5 * Ops.Square((x0 - 3.0) / 0.8), -0.5 * Ops.Square((x0 + 3.0) / 0.8))
            + LogSumExp2(-0.5 * Ops.Square((x1 - 3.0) / 0.6), -0.5 * Ops.Square((x1 + 3.0) / 0.6));
    });

    /// <summary>One table row: ESS rates averaged over seeds, the worst z, the divergences and the unbiased seeds.</summary>
    private sealed class Row
    {
        private double _essPerGrad, _essPerSecond, _zMean, _zQ, _k, _seconds;
        private long _divergent, _transitions;
        private int _unbiased, _seeds;
        private string _warnings = "";

        public void Add(ReferenceComparison cmp, PosteriorDraws draws, double wall, double paretoK, IReadOnlyList<string>? words, int seeds)
        {
            _essPerGrad += 1000 * cmp.EssBulkMin / draws.SamplingGradients / seeds;
            _essPerSecond += cmp.EssBulkMin / wall / seeds;
            _zMean = Math.Max(_zMean, cmp.MaxZMean);
            _zQ = Math.Max(_zQ, cmp.MaxZQuantile);
            _k = Math.Max(_k, paretoK);
            _seconds += wall / seeds;
            _divergent += draws.Divergences;
            _transitions += draws.Chains.Sum(c => c.Stats.Take(c.Draws).Count(s => !double.IsNaN(s.Energy)));
            _unbiased += cmp.Unbiased ? 1 : 0;
            _seeds++;
            if (words is not null)
            {
                _warnings = string.Join(" / ", words.Select(w => w.Length > 90 ? w[..90] + "…" : w));
            }
        }

        public override string ToString() => string.Create(
            CultureInfo.InvariantCulture,
            $"{_essPerGrad:F2} | {_essPerSecond:F1} | {_zMean:F1} | {_zQ:F1} | {100.0 * _divergent / _transitions:F2} | {(double.IsNaN(_k) ? "—" : _k.ToString("F2", CultureInfo.InvariantCulture))} | {_seconds:F1} | {_unbiased}/{_seeds} | {_warnings}");
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

            case "auto":
            {
                var options = new Inference.Workflow.Automatic.AutomaticOptions { Seed = seed };
                // named settings (auto:lr=3e-3:iters=1000:…) for experiments; the positional ones below stay as they were
                var named = parts.Skip(1).Where(p => p.Contains('=')).Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
                parts = parts.Where(p => !p.Contains('=')).ToArray();
                double Named(string key, double fallback) => named.TryGetValue(key, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;
                options = options with
                {
                    FlowLearningRate = Named("lr", options.FlowLearningRate),
                    FlowLearningRateFloor = Named("floor", options.FlowLearningRateFloor),
                    FlowIterations = (int)Named("iters", options.FlowIterations),
                    PilotDraws = (int)Named("pilot", options.PilotDraws),
                    TargetAcceptance = Named("delta", options.TargetAcceptance),
                    Transitions = (int)Named("transitions", options.Transitions),
                    Warmup = (int)Named("warmup", options.Warmup),
                    FlowRestarts = (int)Named("restarts", options.FlowRestarts),
                    PilotTargetAcceptance = Named("pilotdelta", options.PilotTargetAcceptance),
                    FlowSquaredInputs = named.TryGetValue("sq", out var sq) ? sq == "1" : null,
                    RefitIterations = (int)Named("refit", options.RefitIterations),
                    MaxGlobalSteps = (int)Named("global", options.MaxGlobalSteps),
                    NonCentering = named.TryGetValue("nc", out var nc) ? nc == "1" : null,
                    NonCenteringIterations = (int)Named("nciters", options.NonCenteringIterations),
                };
                if (parts.Length > 1)
                {
                    options = options with { MaxGlobalSteps = int.Parse(parts[1], CultureInfo.InvariantCulture) };
                }

                if (parts.Length > 2)
                {
                    options = options with { RefitIterations = int.Parse(parts[2], CultureInfo.InvariantCulture) };
                }

                if (parts.Length > 3)
                {
                    options = options with { Flow = parts[3] == "realnvp" ? Inference.Workflow.Automatic.FlowFamily.RealNvp : Inference.Workflow.Automatic.FlowFamily.InverseAutoregressive };
                }

                if (parts.Length > 4)
                {
                    options = options with { FlowLayers = int.Parse(parts[4], CultureInfo.InvariantCulture), FlowHidden = parts[5].Split('x').Select(h => int.Parse(h, CultureInfo.InvariantCulture)).ToArray() };
                }

                var result = Inference.Workflow.Automatic.Automatic.Run(model, options);
                foreach (var r in result.Reasons)
                {
                    Console.Error.WriteLine("    " + r);
                }

                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    pilot divergent {100 * result.Diagnostics.PilotDivergentShare:F2}%, final divergent {100 * result.Diagnostics.DivergentShare:F2}%, {result.Diagnostics.Evaluations} evaluations in all (fits, pilot, refit, final run with warmup)"));
                Console.Error.WriteLine("    stages: " + string.Join(", ", result.Diagnostics.StageTimes.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key} {kv.Value.TotalSeconds:F1} s"))));
                return (result.Draws!, result.Diagnostics.ParetoK, result.Warnings);
            }

            case "flowmc":
            {
                var proposal = new DefensiveProposal(new FlowProposal(FlowDistribution.RealNvp(model.Dimension, 4, [32, 32], new Rng(100 + seed))));
                var result = FlowMc.Sample(model, proposal, new FlowMcOptions { Seed = seed });
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    flowMC: local acceptance {result.LocalAcceptance:F2}, global {result.GlobalAcceptance:F2}"));
                return (result.Draws, double.NaN, result.Warnings);
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
