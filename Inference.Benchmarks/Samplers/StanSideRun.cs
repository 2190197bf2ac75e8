using System.Diagnostics;
using System.Globalization;
using Inference.Diagnostics;
using Inference.Modeling;
using Inference.Models;
using Inference.Results;
using Inference.Samplers.Hamiltonian;
using Inference.Samplers.Running;

namespace Inference.Benchmarks.Samplers;

/// <summary>
/// <c>… -- nuts-once NAME FOLDER SEED [CHAINS_PARALLEL]</c>: one NUTS run with Stan's settings (4 chains × 1000 + 1000,
/// diagonal metric, chains one after another unless CHAINS_PARALLEL) on posterior NAME, its data in FOLDER/data.json,
/// and one line of figures for tools/stan-side-by-side.R, which runs rstan and this alternately: µs per gradient of the
/// sampling phase (sampler included), draws/s, the smallest ESS_bulk over the parameters per second and per 1000
/// gradients, and the gradient alone (µs, 10th percentile of 2000 calls at a posterior draw). NAME is a posteriordb
/// name of <see cref="PosteriorCatalog"/>, or arma11 / garch11 (data: y, and sigma1 for GARCH).
/// </summary>
internal static class StanSideRun
{
    public static void Run(string[] args)
    {
        var inv = CultureInfo.InvariantCulture;
        if (args[0] == "loop")
        {
            // nuts-once loop NAME FOLDER SECONDS: one chain after another for a profiler (perf record -p)
            var loopData = StanData.Load(Path.Combine(args[2], "data.json"));
            var loopModel = PosteriorCatalog.Create(args[1], loopData).Compile();
            var until = Stopwatch.GetTimestamp() + (long)(double.Parse(args[3], inv) * Stopwatch.Frequency);
            long runs = 0, gradients = 0;
            var started = Stopwatch.StartNew();
            while (Stopwatch.GetTimestamp() < until)
            {
                var run = ChainRunner.Nuts(loopModel, new RunSettings { Seed = (ulong)runs + 1, Chains = 1, Metric = MetricKind.Diagonal });
                gradients += run.SamplingGradients + run.Chains.Sum(c => c.WarmupGradients);
                runs++;
            }

            Console.WriteLine(string.Create(inv, $"{runs} chains, {1e6 * started.Elapsed.TotalSeconds / gradients:F3} us per gradient (wall, warmup included)"));
            return;
        }

        string name = args[0], folder = args[1];
        ulong seed = ulong.Parse(args[2], inv);
        int parallel = args.Length > 3 ? int.Parse(args[3], inv) : 1;
        var data = StanData.Load(Path.Combine(folder, "data.json"));
        var model = (name switch
        {
            "arma11" => TimeSeries.Arma11(data.Vector("y")),
            "garch11" => TimeSeries.Garch11(data.Vector("y"), data.Scalar("sigma1")),
            _ => PosteriorCatalog.Create(name, data),
        }).Compile();
        var wall = Stopwatch.StartNew();
        var clock = new SamplingCpuClock(1000);
        var trace = ChainRunner.Nuts(model, new RunSettings { Seed = seed, Metric = MetricKind.Diagonal, MaxDegreeOfParallelism = parallel }, progress: parallel == 1 ? clock : null);
        double wallSeconds = wall.Elapsed.TotalSeconds;
        double cpuSeconds = clock.Seconds;
        int parameters = model.Layout.ParameterNames.Count;
        double essMin = Enumerable.Range(0, parameters).Min(j => Convergence.EssBulk(trace.Column(j)));
        double wallSample = trace.Chains.Sum(c => c.SamplingTime.TotalSeconds);
        // Stan reports clock() (CPU) seconds of the sampling phase; so does this, chains in turn on one thread
        double seconds = parallel == 1 ? cpuSeconds : wallSample;
        long grads = trace.SamplingGradients;
        long draws = trace.Chains.Sum(c => (long)c.Draws);

        // the gradient alone, at the last draw of chain 1 (unconstrained)
        var ev = model.CreateEvaluator();
        var u = Initialization.Random(model, new Randomness.Rng(seed));
        var g = new double[model.Dimension];
        var times = new double[2000];
        for (int i = 0; i < 200; i++)
        {
            ev.LogDensityAndGradient(u, g);
        }

        for (int i = 0; i < times.Length; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            for (int r = 0; r < 10; r++)
            {
                ev.LogDensityAndGradient(u, g);
            }

            times[i] = Stopwatch.GetElapsedTime(t0).TotalMicroseconds / 10;
        }

        Array.Sort(times);

        // and the CPU seconds of as many gradients as the sampling phase took, in a plain loop (same clock as above)
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        for (long i = 0; i < grads; i++)
        {
            ev.LogDensityAndGradient(u, g);
        }

        double loopUs = 1e6 * (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds / grads;
        // per chain: final step size, inverse-metric diagonal, mean tree depth, mean leapfrog steps, mean accept stat (to compare adaptation with Stan's)
        foreach (var c in trace.Chains)
        {
            Console.WriteLine(string.Create(inv, $"ADAPT stepsize={c.StepSize:G4} inv_metric={string.Join(",", c.InverseMetricDiagonal.Select(v => v.ToString("G4", inv)))} mean_depth={c.Stats.Average(s => s.TreeDepth):F2} mean_leapfrog={c.Stats.Average(s => s.LeapfrogSteps):F1} accept={c.Stats.Average(s => s.AcceptStat):F3}"));
        }

        // NUTS_ONCE_DUMP=<folder>: the draws as Stan-CSV, one file per chain (rstan::read_stan_csv reads them)
        var dump = Environment.GetEnvironmentVariable("NUTS_ONCE_DUMP");
        if (!string.IsNullOrEmpty(dump))
        {
            StanCsvWriter.WriteAll(trace, dump, "nuts-once");
        }

        Console.WriteLine(string.Create(inv,
            $"RESULT name={name} us_per_grad={1e6 * seconds / grads:R} draws_per_s={draws / seconds:R} ess_bulk_per_s={essMin / seconds:R} ess_per_1000_grads={1000 * essMin / grads:R} grads={grads} sample_s={seconds:R} sample_wall_s={wallSample:R} wall_s={wallSeconds:R} ess_bulk_min={essMin:R} grad_only_us={times[times.Length / 10]:R} grad_loop_cpu_us={loopUs:R} divergences={trace.Divergences}"));
    }

    // the process's CPU time between the end of each chain's warmup and the end of its sampling (chains one after another)
    private sealed class SamplingCpuClock(int warmup) : IProgress<ChainProgress>
    {
        private TimeSpan _start;

        public double Seconds { get; private set; }

        public void Report(ChainProgress value)
        {
            if (value.Phase == ChainPhase.Warmup && value.Iteration == warmup)
            {
                _start = Process.GetCurrentProcess().TotalProcessorTime;
            }
            else if (value.Phase == ChainPhase.Done)
            {
                Seconds += (Process.GetCurrentProcess().TotalProcessorTime - _start).TotalSeconds;
            }
        }
    }
}
