using System.Diagnostics;
using System.Globalization;
using Inference.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Inference.Benchmarks.Distributed;

/// <summary>
/// `dotnet run -c Release --project Inference.Benchmarks -- grid-report [cells] [seconds]`: the distributed runner's
/// throughput on a local cluster of 2 silos (loopback) on this machine.
/// <list type="bullet">
/// <item>Overhead per cell (default 20 cells of about 1 s, one at a time): each cell is run as a grid of one cell; its
/// overhead is the caller-observed wall time of that grid (validation, placement, activation, sending the cell,
/// running it, sending the result back and unpacking it, the grid's bookkeeping) minus the cell's own time measured on
/// the silo (<see cref="CellResult.CellTime"/>: model build, sampler and diagnostics). Mean, median and 90th percentile
/// are shown in ms and as a fraction of a one-second cell. The same cells run one at a time in this process, interleaved
/// with the cluster's, give the local runner's cost beside it in the same run.</item>
/// <item>Where the overhead goes (medians over the same count): a call to a fresh grain (placement, activation and one
/// round trip), a call to an active grain (one round trip), and the result's transfer (Orleans serialization and
/// deserialization of a real cell's result, with its size in bytes).</item>
/// <item>A grid of CPU-bound cells (one chain each, one thread each), two at a time: wall time against the sum of the
/// cells' own times (both cores busy: about 0.5).</item>
/// </list>
/// The machine's load average (1, 5, 15 min) is printed at the start and the end: the figures are only comparable
/// between runs at similar load.
/// </summary>
internal static class GridReport
{
    public static void Run(string[] args)
    {
        int cells = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20;
        double seconds = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 1.0;
        RunAsync(cells, seconds).GetAwaiter().GetResult();
    }

    private static async Task RunAsync(int count, double seconds)
    {
        Console.WriteLine(FormattableString.Invariant($"machine: {Environment.ProcessorCount} cores; load average (1, 5, 15 min) at start: {LoadAverage()}"));
        string data = File.ReadAllText(Path.Combine(ReferenceData.Posteriors, "sblrc-blr", "data.json"));
        GridCell Cell(string key, int iterations, ulong seed) =>
            new(key, "sblrc-blr", data, "nuts", new CellSettings(Chains: 1, Warmup: iterations, Draws: iterations, MaxDegreeOfParallelism: 1), seed);

        // calibrate: iterations for a cell of about `seconds` on this machine now. The first runs are slow (tiered JIT,
        // later under load), so cells of 2000 iterations run until two in a row agree within 10% (at most 10); the size
        // is scaled from that, then re-measured at the target size until a cell takes within 10% of `seconds` (at most 4)
        var models = new ModelRegistry();
        double Time(int n) => CellExecutor.Run(Cell("probe", n, 2), models).CellTime.TotalSeconds;
        double previous = Time(2000), settled = previous;
        for (int warm = 0; warm < 10; warm++)
        {
            settled = Time(2000);
            if (Math.Abs(settled - previous) < 0.1 * settled)
            {
                break;
            }

            previous = settled;
        }

        int iterations = Math.Max(100, (int)(2000 * seconds / settled));
        double probeSeconds = 0;
        for (int probe = 0; probe < 4; probe++)
        {
            probeSeconds = Time(iterations);
            if (Math.Abs(probeSeconds - seconds) < 0.1 * seconds)
            {
                break;
            }

            iterations = Math.Max(100, (int)(iterations * seconds / probeSeconds));
        }

        Console.WriteLine(FormattableString.Invariant($"cell: sblrc-blr, NUTS, 1 chain × ({iterations} warmup + {iterations} draws); last probe {probeSeconds:F2} s"));

        await using var cluster = await LocalCluster.StartAsync(silos: 2);
        var clusterRunner = GridRunner.Cluster(cluster.Client, new GridOptions { MaxConcurrentCells = 1 });
        var localRunner = GridRunner.Local(models, new GridOptions { MaxConcurrentCells = 1 });
        await clusterRunner.RunAsync([Cell("warm", 200, 3)]);   // first activation, code paths warmed
        await localRunner.RunAsync([Cell("warm", 200, 3)]);

        // overhead per cell, cluster and local interleaved, one cell at a time
        var clusterMs = new List<double>();
        var localMs = new List<double>();
        var ownSeconds = new List<double>();
        CellResult? sample = null;
        for (int i = 0; i < count; i++)
        {
            var cell = Cell($"overhead/{i}", iterations, (ulong)(10 + i));
            var onCluster = await clusterRunner.RunAsync([cell]);
            var onLocal = await localRunner.RunAsync([cell]);
            if (!onCluster.Results[0].SameDraws(onLocal.Results[0]))
            {
                throw new InvalidOperationException($"{cell.Key}: the cluster's draws differ from the local run's.");
            }

            sample = onCluster.Results[0];
            double own = sample.CellTime.TotalSeconds;
            ownSeconds.Add(own);
            clusterMs.Add(1000 * (onCluster.WallTime.TotalSeconds - own));
            localMs.Add(1000 * (onLocal.WallTime.TotalSeconds - onLocal.Results[0].CellTime.TotalSeconds));
        }

        double meanOwn = ownSeconds.Average();
        Console.WriteLine(FormattableString.Invariant(
            $"overhead per cell = caller's wall time of a one-cell grid − the cell's own time on the silo; {count} cells, own time mean {meanOwn:F3} s (min {ownSeconds.Min():F3}, max {ownSeconds.Max():F3})"));
        Console.WriteLine("  cluster: " + Describe(clusterMs, meanOwn));
        Console.WriteLine("  local:   " + Describe(localMs, meanOwn));

        // where it goes: placement + activation + a round trip, a round trip alone, the result's transfer
        var fresh = new List<double>();
        var active = new List<double>();
        for (int i = 0; i < count; i++)
        {
            var grain = cluster.Client.GetGrain<ICellGrain>($"probe/{Guid.NewGuid():N}");
            long t0 = Stopwatch.GetTimestamp();
            await grain.Where();
            fresh.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            t0 = Stopwatch.GetTimestamp();
            await grain.Where();
            active.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }

        var serializer = cluster.Client.ServiceProvider.GetRequiredService<Serializer>();
        var transfer = new List<double>();
        int bytes = 0;
        for (int i = 0; i < count; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            byte[] packed = serializer.SerializeToArray(sample!);
            var back = serializer.Deserialize<CellResult>(packed) ?? throw new InvalidOperationException("The result deserialized to null.");
            transfer.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            bytes = packed.Length;
            if (!back.SameDraws(sample!))
            {
                throw new InvalidOperationException("The result does not survive serialization bit for bit.");
            }
        }

        int values = sample!.Chains.Sum(c => c.Values.Length + c.WarmupValues.Length + 4 * c.Draws);
        Console.WriteLine(FormattableString.Invariant(
            $"where it goes (medians of {count}): call to a fresh grain (placement, activation, round trip) {Median(fresh):F2} ms; call to an active grain {Median(active):F2} ms; result serialize + deserialize {Median(transfer):F2} ms for {bytes} bytes ({values} doubles, {(double)bytes / values:F2} bytes each)"));

        // CPU-bound grid: 2 × count cells, two at a time on 2 silos
        var grid = Enumerable.Range(0, 2 * count).Select(i => Cell($"grid/{i}", iterations, (ulong)(100 + i))).ToArray();
        var parallel = await GridRunner.Cluster(cluster.Client, new GridOptions { MaxConcurrentCells = 2 }).RunAsync(grid);
        double sum = parallel.Results.Sum(r => r.CellTime.TotalSeconds);
        Console.WriteLine(FormattableString.Invariant(
            $"grid of {grid.Length} CPU-bound cells, 2 at a time on 2 silos: wall {parallel.WallTime.TotalSeconds:F1} s, Σ cells' own times {sum:F1} s, wall / Σ = {parallel.WallTime.TotalSeconds / sum:F2} (target ≤ 0.6); silos used: {parallel.Results.Select(r => r.RanOn).Distinct().Count()}"));
        Console.WriteLine(FormattableString.Invariant($"load average (1, 5, 15 min) at the end: {LoadAverage()}"));
    }

    private static string Describe(List<double> overheadMs, double meanOwnSeconds)
    {
        double mean = overheadMs.Average(), median = Median(overheadMs), p90 = Percentile(overheadMs, 0.9);
        return FormattableString.Invariant(
            $"mean {mean:F1} ms, median {median:F1} ms, p90 {p90:F1} ms, max {overheadMs.Max():F1} ms = {mean / 10:F2}% / {median / 10:F2}% / {p90 / 10:F2}% of a one-second cell ({100 * mean / (1000 * meanOwnSeconds):F2}% of these cells' mean own time)");
    }

    private static double Median(List<double> xs) => Percentile(xs, 0.5);

    /// <summary>The p-quantile by linear interpolation between order statistics (type 7).</summary>
    private static double Percentile(List<double> xs, double p)
    {
        var sorted = xs.Order().ToArray();
        double h = (sorted.Length - 1) * p;
        int lo = (int)Math.Floor(h);
        int hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + ((h - lo) * (sorted[hi] - sorted[lo]));
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
