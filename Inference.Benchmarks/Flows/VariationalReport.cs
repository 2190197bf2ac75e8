using System.Globalization;
using System.Text.Json;
using Inference.Densities;
using Inference.Flows;
using Inference.Flows.Variational;
using Inference.Models;
using Inference.Randomness;

namespace Inference.Benchmarks.Flows;

/// <summary>
/// `dotnet run -c Release --project Inference.Benchmarks -- vi-report [seeds=1] [posteriors=a,b] [flows=a,b]
/// [iterations=2000] [init=laplace|standard] [lr=1e-3] [cosine=true]`: reverse-KL fits on the reference posteriors of
/// reference/posteriors, started at the Laplace approximation (or at the flow's own initialization),
/// judged against the reference moments: ELBO, PSIS k̂, max |mean − ref|/sd_ref and the range of sd/sd_ref, next
/// to Stan ADVI's figures from stan.json (median over its runs).
/// </summary>
internal static class VariationalReport
{
    public static void Run(string[] args)
    {
        var inv = CultureInfo.InvariantCulture;
        var settings = args.Select(a => a.Split('=', 2)).ToDictionary(a => a[0], a => a.Length > 1 ? a[1] : "");
        string Get(string key, string fallback) => settings.TryGetValue(key, out var v) ? v : fallback;
        int seeds = int.Parse(Get("seeds", "1"), inv);
        var posteriors = settings.TryGetValue("posteriors", out var ps) ? ps.Split(',') : PosteriorCatalog.Names.ToArray();
        var flows = Get("flows", "meanfield,fullrank,realnvp,iaf,nsf").Split(',');
        int iterations = int.Parse(Get("iterations", "2000"), inv);
        bool laplaceInit = Get("init", "laplace") == "laplace";
        double lr = double.Parse(Get("lr", "1e-3"), inv);
        bool cosine = Get("cosine", "false") == "true";
        Console.WriteLine(string.Create(inv, $"Reverse KL from {(laplaceInit ? "the Laplace approximation" : "the flow's own initialization")}, batch 256, Adam {lr}{(cosine ? " with cosine decay" : "")}, {iterations} iterations, 10,000 evaluation draws; {seeds} seed(s): worst seed shown"));
        Console.WriteLine("| posterior | flow | ELBO | k̂ | max z(mean) q | max z(mean) PSIS | sd ratio range | ADVI z(mean) mf / fr | ADVI k̂ mf / fr | s |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var name in posteriors)
        {
            var model = PosteriorCatalog.Load(name, ReferenceData.Posteriors).Compile();
            using var reference = ReferenceData.Json("posteriors", name, "reference.json");
            using var stan = ReferenceData.Json("posteriors", name, "stan.json");
            var refs = reference.RootElement.GetProperty("parameters").EnumerateArray()
                .ToDictionary(p => p.GetProperty("name").GetString()!, p => (Mean: p.GetProperty("mean").GetDouble(), Sd: p.GetProperty("sd").GetDouble()));
            string advi = "—", adviK = "—";
            if (stan.RootElement.TryGetProperty("stan_advi", out var a))
            {
                advi = string.Create(inv, $"{a.GetProperty("meanfield").GetProperty("z_mean_max_median").GetDouble():F2} / {a.GetProperty("fullrank").GetProperty("z_mean_max_median").GetDouble():F2}");
                adviK = string.Create(inv, $"{a.GetProperty("meanfield").GetProperty("pareto_k_median").GetDouble():F2} / {a.GetProperty("fullrank").GetProperty("pareto_k_median").GetDouble():F2}");
            }

            var laplace = laplaceInit ? LaplaceApproximation.Fit(model) : null;
            foreach (var flowName in flows)
            {
                double worstZ = 0, worstPsisZ = 0, worstK = 0, elbo = double.PositiveInfinity, sdMin = double.PositiveInfinity, sdMax = 0, seconds = 0;
                for (int seed = 0; seed < seeds; seed++)
                {
                    var rng = new Rng((ulong)(100 + seed));
                    var flow = flowName switch
                    {
                        "meanfield" => FlowDistribution.MeanField(model.Dimension),
                        "fullrank" => FlowDistribution.FullRank(model.Dimension),
                        _ => FlowReport.Create(flowName, model.Dimension, rng),
                    };
                    flow = laplace is null ? flow : flow.Whiten(laplace);
                    var fit = VariationalFit.Run(flow, model, new VariationalOptions
                    {
                        Iterations = iterations,
                        LearningRate = lr,
                        Schedule = cosine ? Inference.Flows.Optimizers.LearningRateSchedule.Cosine(iterations) : null,
                        EvaluationDraws = 10000,
                        Seed = (ulong)(200 + seed),
                    });
                    seconds += fit.Elapsed.TotalSeconds / seeds;
                    elbo = Math.Min(elbo, fit.Elbo);
                    worstK = Math.Max(worstK, fit.ParetoK);
                    for (int j = 0; j < fit.Names.Count; j++)
                    {
                        if (!refs.TryGetValue(fit.Names[j], out var r))
                        {
                            continue;
                        }

                        worstZ = Math.Max(worstZ, Math.Abs(fit.Means[j] - r.Mean) / r.Sd);
                        worstPsisZ = Math.Max(worstPsisZ, Math.Abs(fit.PsisMeans[j] - r.Mean) / r.Sd);
                        sdMin = Math.Min(sdMin, fit.StandardDeviations[j] / r.Sd);
                        sdMax = Math.Max(sdMax, fit.StandardDeviations[j] / r.Sd);
                    }
                }

                Console.WriteLine(string.Create(inv, $"| {name} | {flowName} | {elbo:F3} | {worstK:F2} | {worstZ:F3} | {worstPsisZ:F3} | {sdMin:F2}–{sdMax:F2} | {advi} | {adviK} | {seconds:F1} |"));
            }
        }
    }
}
