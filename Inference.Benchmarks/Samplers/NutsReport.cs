using System.Globalization;
using System.Text.Json;
using Inference.Diagnostics;
using Inference.Models;
using Inference.Samplers.Hamiltonian;
using Inference.Samplers.Running;

namespace Inference.Benchmarks.Samplers;

/// <summary>
/// `dotnet run -c Release --project Inference.Benchmarks -- nuts-report [seeds]`: NUTS with Stan's settings
/// (4 chains × 1000 + 1000, diagonal metric) on every reference posterior over several seeds; prints the
/// machine-independent ESS_bulk per 1000 gradients and the draws and ESS_bulk per second of sampling time
/// (summed over chains) next to Stan's figures in reference/fixtures/stan-nuts-figures.json (same definitions).
/// </summary>
internal static class NutsReport
{
    public static void Run(int seeds)
    {
        var inv = CultureInfo.InvariantCulture;
        using var figures = ReferenceData.Json("fixtures", "stan-nuts-figures.json");
        Console.WriteLine($"NUTS, Stan's settings, {seeds} seeds (mean over seeds; Stan: one run, seed 20240611)");
        Console.WriteLine("posterior                                  ESS/1000grad  Stan   ratio | draws/s   Stan  | ESS/s    Stan   | div  rhat_max");
        foreach (var name in PosteriorCatalog.Names)
        {
            var model = PosteriorCatalog.Load(name, ReferenceData.Posteriors).Compile();
            var s = figures.RootElement.GetProperty("posteriors").GetProperty(name).GetProperty("diag_e");
            double stanEssPerGrad = s.GetProperty("ess_bulk_per_1000_grads").GetDouble();
            double stanDrawsPerSec = 4000 / s.GetProperty("time_sample_s").GetDouble();
            double stanEssPerSec = s.GetProperty("ess_bulk_per_s").GetDouble();
            double essPerGrad = 0, drawsPerSec = 0, essPerSec = 0, rhatMax = 0;
            int divergences = 0;
            int parameterCount = model.Layout.ParameterNames.Count;
            for (int seed = 1; seed <= seeds; seed++)
            {
                var trace = ChainRunner.Nuts(model, new RunSettings { Seed = (ulong)seed, Metric = MetricKind.Diagonal, MaxDegreeOfParallelism = 1 });
                double essMin = Enumerable.Range(0, parameterCount).Min(j => Convergence.EssBulk(trace.Column(j)));
                rhatMax = Math.Max(rhatMax, Enumerable.Range(0, parameterCount).Max(j => Convergence.Rhat(trace.Column(j))));
                double seconds = trace.Chains.Sum(c => c.SamplingTime.TotalSeconds);
                essPerGrad += 1000 * essMin / trace.SamplingGradients / seeds;
                drawsPerSec += trace.Chains.Sum(c => c.Draws) / seconds / seeds;
                essPerSec += essMin / seconds / seeds;
                divergences += trace.Divergences;
            }

            Console.WriteLine(string.Create(inv, $"{name,-42} {essPerGrad,9:F2} {stanEssPerGrad,7:F2} {essPerGrad / stanEssPerGrad,6:F2} | {drawsPerSec,7:F0} {stanDrawsPerSec,7:F0} | {essPerSec,7:F0} {stanEssPerSec,7:F0} | {divergences,4} {rhatMax,7:F3}"));
        }
    }
}
