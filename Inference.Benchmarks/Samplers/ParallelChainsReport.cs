using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using Inference.Models;
using Inference.Samplers.Hamiltonian;
using Inference.Samplers.Running;

namespace Inference.Benchmarks.Samplers;

/// <summary>
/// <c>… -- parallel-chains [rounds] [posteriors]</c>: wall time of 4 NUTS chains (Stan's settings) on one thread and on
/// two, alternating within each round; parallel efficiency = T(1 thread) / (2 · T(2 threads)). Also the bytes allocated
/// and the gen-0/1/2 collections of each run, the GC mode, and the process CPU time (so that a machine shared with
/// other work shows as CPU time well below 2 × wall time).
/// </summary>
internal static class ParallelChainsReport
{
    public static void Run(string[] args)
    {
        var inv = CultureInfo.InvariantCulture;
        int rounds = args.Length > 0 ? int.Parse(args[0], inv) : 3;
        var names = args.Length > 1 ? args[1].Split(',') : ["eight_schools-eight_schools_noncentered", "kidiq-kidscore_momiq", "synth-gauss100_rot"];
        Console.WriteLine(string.Create(inv, $"4 chains × (1000 + 1000), {Environment.ProcessorCount} processors, server GC {GCSettings.IsServerGC}, concurrent GC {GCSettings.LatencyMode}; medians over {rounds} rounds"));
        Console.WriteLine("balance bound: the best efficiency the 1-thread run's own chain times allow (Σ chain times ÷ 2·the best split of the 4 chains over 2 threads)");
        Console.WriteLine("posterior                                  1 thread s  2 threads s  efficiency | balance bound | CPU s (1, 2)   | bytes/run (1, 2)      | gen0/1/2 (1) (2)");
        foreach (var name in names)
        {
            var model = PosteriorCatalog.Load(name, ReferenceData.Posteriors).Compile();
            var t1 = new List<double>();
            var t2 = new List<double>();
            var c1 = new List<double>();
            var c2 = new List<double>();
            var bounds = new List<double>();
            long b1 = 0, b2 = 0;
            string gc1 = "", gc2 = "";
            for (int r = 0; r < rounds + 1; r++)
            {
                foreach (int threads in new[] { 1, 2 })
                {
                    var (wall, cpu, bytes, gcs, chainSeconds) = Once(model, threads, (ulong)(r + 1));
                    if (r == 0)
                    {
                        continue;   // warm-up round (JIT)
                    }

                    (threads == 1 ? t1 : t2).Add(wall);
                    (threads == 1 ? c1 : c2).Add(cpu);
                    if (threads == 1)
                    {
                        bounds.Add(BalanceBound(chainSeconds));
                        b1 = bytes;
                        gc1 = gcs;
                    }
                    else
                    {
                        b2 = bytes;
                        gc2 = gcs;
                    }
                }
            }

            double m1 = Median(t1), m2 = Median(t2);
            Console.WriteLine(string.Create(inv, $"{name,-42} {m1,10:F3} {m2,11:F3} {m1 / (2 * m2),10:P0} | {Median(bounds),13:P0} | {Median(c1),5:F2}, {Median(c2),5:F2} | {b1,10:N0}, {b2,10:N0} | {gc1} {gc2}"));
        }
    }

    // Σt ÷ (2 · min over the 2^n splits of the larger thread's total): the efficiency of a perfect scheduler on 2 threads
    private static double BalanceBound(double[] chainSeconds)
    {
        int n = chainSeconds.Length;
        double total = chainSeconds.Sum(), best = double.PositiveInfinity;
        for (int mask = 0; mask < (1 << n); mask++)
        {
            double one = 0;
            for (int c = 0; c < n; c++)
            {
                one += (mask >> c & 1) == 1 ? chainSeconds[c] : 0;
            }

            best = Math.Min(best, Math.Max(one, total - one));
        }

        return total / (2 * best);
    }

    private static (double Wall, double Cpu, long Bytes, string Gcs, double[] ChainSeconds) Once(Inference.Modeling.CompiledModel model, int threads, ulong seed)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        int g0 = GC.CollectionCount(0), g1 = GC.CollectionCount(1), g2 = GC.CollectionCount(2);
        long bytes = GC.GetTotalAllocatedBytes(precise: true);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        var draws = ChainRunner.Nuts(model, new RunSettings { Seed = seed, Metric = MetricKind.Diagonal, MaxDegreeOfParallelism = threads });
        double wall = watch.Elapsed.TotalSeconds;
        double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        return (wall, cpuSeconds, GC.GetTotalAllocatedBytes(precise: true) - bytes,
            $"{GC.CollectionCount(0) - g0}/{GC.CollectionCount(1) - g1}/{GC.CollectionCount(2) - g2}",
            draws.Chains.Select(c => (c.WarmupTime + c.SamplingTime).TotalSeconds).ToArray());
    }

    private static double Median(List<double> v)
    {
        var a = v.ToArray();
        Array.Sort(a);
        return a[a.Length / 2];
    }
}
