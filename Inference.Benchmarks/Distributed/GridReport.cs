using System.Globalization;
using Inference.Distributed;

namespace Inference.Benchmarks.Distributed;

/// <summary>
/// `dotnet run -c Release --project Inference.Benchmarks -- grid-report [cells] [seconds]`: the distributed runner's
/// throughput on a local cluster of 2 silos (loopback) on this machine.
/// <list type="bullet">
/// <item>Overhead per cell: cells of about <c>seconds</c> (default 1 s) one at a time on the cluster; (grid wall time −
/// Σ the cells' own times) / cells is the scheduling and transfer cost, shown as a fraction of a cell. The same cells
/// run one at a time in this process give the local runner's cost beside it, in the same run, interleaved.</item>
/// <item>A grid of CPU-bound cells (one chain each, one thread each), two at a time: wall time against the sum of the
/// cells' own times (both cores busy: about 0.5).</item>
/// </list>
/// </summary>
internal static class GridReport
{
    public static void Run(string[] args)
    {
        int cells = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 8;
        double seconds = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 1.0;
        RunAsync(cells, seconds).GetAwaiter().GetResult();
    }

    private static async Task RunAsync(int count, double seconds)
    {
        string data = File.ReadAllText(Path.Combine(ReferenceData.Posteriors, "sblrc-blr", "data.json"));
        GridCell Cell(string key, int iterations, ulong seed) =>
            new(key, "sblrc-blr", data, "nuts", new CellSettings(Chains: 1, Warmup: iterations, Draws: iterations, MaxDegreeOfParallelism: 1), seed);

        // calibrate: iterations for a cell of about `seconds` on this machine now (after a warm-up)
        var models = new ModelRegistry();
        CellExecutor.Run(Cell("warmup", 500, 1), models);
        var probe = CellExecutor.Run(Cell("probe", 2000, 2), models);
        int iterations = Math.Max(100, (int)(2000 * seconds / probe.CellTime.TotalSeconds));
        Console.WriteLine(FormattableString.Invariant($"cell: sblrc-blr, NUTS, 1 chain × ({iterations} warmup + {iterations} draws); probe {probe.CellTime.TotalSeconds:F2} s for 2000 + 2000"));

        await using var cluster = await LocalCluster.StartAsync(silos: 2);
        var clusterRunner = GridRunner.Cluster(cluster.Client, new GridOptions { MaxConcurrentCells = 1 });
        var localRunner = GridRunner.Local(models, new GridOptions { MaxConcurrentCells = 1 });
        await clusterRunner.RunAsync([Cell("warm", 200, 3)]);   // first activation, code paths warmed

        // overhead per cell, cluster and local interleaved, one cell at a time
        double clusterOverhead = 0, localOverhead = 0, cellTime = 0;
        var clusterFractions = new List<double>();
        for (int i = 0; i < count; i++)
        {
            var cell = Cell($"overhead/{i}", iterations, (ulong)(10 + i));
            var onCluster = await clusterRunner.RunAsync([cell]);
            var onLocal = await localRunner.RunAsync([cell]);
            if (!onCluster.Results[0].SameDraws(onLocal.Results[0]))
            {
                throw new InvalidOperationException($"{cell.Key}: the cluster's draws differ from the local run's.");
            }

            double own = onCluster.Results[0].CellTime.TotalSeconds;
            double overhead = onCluster.WallTime.TotalSeconds - own;
            clusterOverhead += overhead / count;
            localOverhead += (onLocal.WallTime.TotalSeconds - onLocal.Results[0].CellTime.TotalSeconds) / count;
            cellTime += own / count;
            clusterFractions.Add(overhead / own);
        }

        clusterFractions.Sort();
        Console.WriteLine(FormattableString.Invariant(
            $"overhead per cell (scheduling + transfer), {count} cells of {cellTime:F2} s mean: cluster {1000 * clusterOverhead:F1} ms ({100 * clusterOverhead / cellTime:F2}% of a cell; median {100 * clusterFractions[count / 2]:F2}%, max {100 * clusterFractions[^1]:F2}%; {100 * clusterOverhead:F2}% of a 1 s cell), local {1000 * localOverhead:F1} ms ({100 * localOverhead / cellTime:F2}%)"));

        // CPU-bound grid: 4 × count cells, two at a time on 2 silos
        var grid = Enumerable.Range(0, 2 * count).Select(i => Cell($"grid/{i}", iterations, (ulong)(100 + i))).ToArray();
        var parallel = await GridRunner.Cluster(cluster.Client, new GridOptions { MaxConcurrentCells = 2 }).RunAsync(grid);
        double sum = parallel.Results.Sum(r => r.CellTime.TotalSeconds);
        Console.WriteLine(FormattableString.Invariant(
            $"grid of {grid.Length} CPU-bound cells, 2 at a time on 2 silos: wall {parallel.WallTime.TotalSeconds:F1} s, Σ cells' own times {sum:F1} s, wall / Σ = {parallel.WallTime.TotalSeconds / sum:F2} (target ≤ 0.6); silos used: {parallel.Results.Select(r => r.RanOn).Distinct().Count()}"));
        Console.WriteLine(FormattableString.Invariant($"machine: {Environment.ProcessorCount} cores; load average (1 min) {LoadAverage()}"));
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";
}
