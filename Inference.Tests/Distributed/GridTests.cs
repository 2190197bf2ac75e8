using Inference.Distributed;
using Inference.Workflow.Comparison;
using Orleans.TestingHost;
using Xunit.Abstractions;

namespace Inference.Tests.Distributed;

/// <summary>
/// Grids of cells on an in-process cluster of 3 silos (loopback): equal to the local run bit for bit, complete with the
/// same results when a silo dies mid-grid, and stopped whole by a cancellation.
/// </summary>
[Collection(OrleansClusterTests.Name)]
public class GridTests(ClusterFixture fixture, ITestOutputHelper output)
{
    private static readonly string[] Posteriors = ["eight_schools-eight_schools_noncentered", "sblrc-blr", "synth-rosenbrock2", "synth-funnel10"];
    private static readonly ComparisonSettings Short = new() { Chains = 2, Warmup = 200, Draws = 200, Seeds = [11, 12, 13], MaxDegreeOfParallelism = 1 };

    private TestCluster Cluster => fixture.Cluster;

    private static IReadOnlyList<GridCell> ComparisonCells() =>
        ComparisonGrid.Cells(Posteriors.Select(p => Path.Combine(ReferenceData.Posteriors, p)).ToArray(), ["nuts", "mala"], Short);

    [Fact]
    public async Task ComparisonGrid_OnThreeSilos_EqualsTheLocalRunBitwise()
    {
        var cells = ComparisonCells();
        Assert.Equal(24, cells.Count);
        var reports = new List<GridProgress>();
        var progress = new SyncProgress<GridProgress>(reports.Add);
        var cluster = await GridRunner.Cluster(Cluster.Client, new GridOptions { MaxConcurrentCells = 3 }).RunAsync(cells, progress);
        var local = await GridRunner.Local(TestModels.Local(), new GridOptions { MaxConcurrentCells = 2 }).RunAsync(cells);
        output.WriteLine($"cluster {cluster.WallTime.TotalSeconds:F2} s, local {local.WallTime.TotalSeconds:F2} s; cells {string.Join(", ", cluster.Results.Select(r => $"{r.Cell.Key} {r.CellTime.TotalMilliseconds:F0}"))}");

        Assert.True(cluster.Completed);
        Assert.True(local.Completed);
        Assert.Empty(cluster.Failed);
        Assert.Equal(cells.Select(c => c.Key), cluster.Results.Select(r => r.Cell.Key));
        foreach (var cell in cells)
        {
            Assert.True(cluster[cell.Key].SameDraws(local[cell.Key]), $"{cell.Key}: the cluster's draws differ from the local run's.");
            Assert.Equal(400, cluster[cell.Key].Chains.Sum(c => c.Draws));
        }

        // the cells ran on more than one silo, and the progress counted every cell to the end
        Assert.True(cluster.Results.Select(r => r.RanOn).Distinct().Count() > 1, "every cell ran on one silo");
        Assert.Equal(new GridProgress(24, 0, 0, 24, 0), reports[^1]);
        Assert.All(reports, p => Assert.InRange(p.Running, 0, 3));

        // a cell equals the comparison's own in-process run of the same sampler and seed
        var target = SamplerComparison.PosteriorFolder(Path.Combine(ReferenceData.Posteriors, Posteriors[0]));
        var direct = ComparisonSamplers.Get("nuts").Run(target.Density, Short, 12, null, default).Draws;
        var viaGrid = cluster[$"{Posteriors[0]}/nuts/12"].ToDraws();
        Assert.Equal(direct.Names, viaGrid.Names);
        for (int c = 0; c < 2; c++)
        {
            Assert.Equal(direct.Chains[c].Values.Take(direct.Chains[c].Draws * direct.Names.Count), viaGrid.Chains[c].Values);
        }

        // the report is the comparison's, and the files are those a local run writes (timings aside)
        var report = ComparisonGrid.Report(cluster, Posteriors.Select(p => SamplerComparison.PosteriorFolder(Path.Combine(ReferenceData.Posteriors, p))).ToArray(), Short);
        Assert.Equal(24, report.Rows.Count);
        Assert.True(report.Completed);
        var rowDirect = SamplerComparison.Judge(target, "nuts", 12, new SamplerOutcome(direct, 0, TimeSpan.FromSeconds(1), []));
        var rowGrid = report.Runs(Posteriors[0], "nuts").Single(r => r.Seed == 12);
        Assert.Equal((rowDirect.EssBulkMin, rowDirect.EssTailMin, rowDirect.RhatMax, rowDirect.MaxMeanZ), (rowGrid.EssBulkMin, rowGrid.EssTailMin, rowGrid.RhatMax, rowGrid.MaxMeanZ));

        string root = Path.Combine(Path.GetTempPath(), "grid-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            var clusterFiles = cluster.WriteFiles(Path.Combine(root, "cluster"));
            var localFiles = local.WriteFiles(Path.Combine(root, "local"));
            Assert.Equal(24 * 3, clusterFiles.Count);
            Assert.Equal(clusterFiles.Count, localFiles.Count);
            for (int i = 0; i < clusterFiles.Count; i++)
            {
                Assert.Equal(WithoutTimings(localFiles[i]), WithoutTimings(clusterFiles[i]));
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }

        static string[] WithoutTimings(string path) => File.ReadAllLines(path).Where(l => !l.Contains("seconds", StringComparison.Ordinal) && !l.Contains("time", StringComparison.OrdinalIgnoreCase)).ToArray();
    }

    [Fact]
    public async Task StoppingASiloMidGrid_RerunsItsCellsElsewhere_WithTheSameResults()
    {
        // every cell waits inside the model factory (so it counts as running on its silo) until the kill is over: a cell
        // on the victim cannot finish before the silo dies, however fast cells or slow kills are (with timing alone, cells
        // of ~1 s and later of 12000 draws still finished during a 1.3 s and then a 5 s kill, leaving nothing to re-run)
        var settings = new CellSettings(Chains: 2, Warmup: 1000, Draws: 1000);
        var cells = Enumerable.Range(0, 6).Select(i => new GridCell($"held/{i}", "normal_normal_held", "{\"y\": 0.7}", "nuts", settings, (ulong)(100 + i))).ToArray();
        TestModels.Held.Reset();
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            var run = GridRunner.Cluster(Cluster.Client, new GridOptions { MaxConcurrentCells = 6, MaxAttempts = 10 }).RunAsync(cells, cancellationToken: cts.Token);

            // all six cells held and placed, then kill (not stop) a secondary silo that holds at least one of them
            var placed = System.Diagnostics.Stopwatch.StartNew();
            var silos = Cluster.GetActiveSilos().Select(s => s.SiloAddress.ToString()).ToArray();
            while (silos.Sum(CellExecutor.RunningOn) < cells.Length && placed.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(20);
            }

            var victim = Cluster.SecondarySilos.FirstOrDefault(s => CellExecutor.RunningOn(s.SiloAddress.ToString()) > 0);
            Assert.NotNull(victim);
            var killed = System.Diagnostics.Stopwatch.StartNew();
            await Cluster.KillSiloAsync(victim);
            double killSeconds = killed.Elapsed.TotalSeconds;
            TestModels.Held.Set();
            var result = await run;
            output.WriteLine($"kill took {killSeconds:F1} s, the grid ended {killed.Elapsed.TotalSeconds:F1} s after it; retries {result.Retries}");

            Assert.True(result.Completed);
            Assert.Empty(result.Failed);
            Assert.True(result.Retries >= 1, "no cell was re-run");
            Assert.Contains(result.Results, r => r.Attempts > 1);
            // a cell the victim finished before it died is kept; every cell it held unfinished ran again elsewhere
            Assert.All(result.Results.Where(r => r.Attempts > 1), r => Assert.NotEqual(victim.SiloAddress.ToString(), r.RanOn));
            var local = await GridRunner.Local(TestModels.Local()).RunAsync(cells);
            foreach (var cell in cells)
            {
                Assert.True(result[cell.Key].SameDraws(local[cell.Key]), $"{cell.Key}: the re-run draws differ from the local run's.");
            }
        }
        finally
        {
            TestModels.Held.Set();
            await fixture.EnsureThreeSilosAsync();
        }
    }

    [Fact]
    public async Task CancellingTheGrid_StopsEveryCell_AndReturnsTheFinishedOnes()
    {
        string gauss = File.ReadAllText(Path.Combine(ReferenceData.Posteriors, "synth-gauss100_rot", "data.json"));
        string schools = File.ReadAllText(Path.Combine(ReferenceData.Posteriors, "eight_schools-eight_schools_noncentered", "data.json"));
        var cells = new List<GridCell> { new("short", "eight_schools-eight_schools_noncentered", schools, "nuts", new CellSettings(2, 200, 200), 1) };
        cells.AddRange(Enumerable.Range(0, 5).Select(i => new GridCell($"long/{i}", "synth-gauss100_rot", gauss, "nuts", new CellSettings(2, 20000, 20000), (ulong)i)));
        using var cts = new CancellationTokenSource();
        var progress = new SyncProgress<GridProgress>(p =>
        {
            if (p.Done >= 1)
            {
                cts.Cancel();
            }
        });

        var result = await GridRunner.Cluster(Cluster.Client, new GridOptions { MaxConcurrentCells = 3 }).RunAsync(cells, progress, cts.Token);

        Assert.False(result.Completed);
        var finished = Assert.Single(result.Results);
        Assert.Equal("short", finished.Cell.Key);
        Assert.True(finished.Succeeded);
        var local = await GridRunner.Local().RunAsync([cells[0]]);
        Assert.True(finished.SameDraws(local["short"]));

        // every long cell stops within seconds (each would run for minutes)
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (CellExecutor.RunningCells > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(0, CellExecutor.RunningCells);
    }

    [Fact]
    public async Task BadCells_AreRefusedBeforeAnyWork_AndACellsOwnFailureIsReportedNotRetried()
    {
        var ok = new GridCell("a", "normal_normal", "{\"y\": 1}", "nuts", new CellSettings(1, 100, 100), 1);
        var runner = GridRunner.Cluster(Cluster.Client);
        var duplicate = await Assert.ThrowsAsync<ArgumentException>(() => runner.RunAsync([ok, ok]));
        Assert.Contains("'a'", duplicate.Message, StringComparison.Ordinal);
        var badSettings = await Assert.ThrowsAsync<ArgumentException>(() => runner.RunAsync([ok with { Settings = new CellSettings(Chains: 0) }]));
        Assert.Contains("Chains", badSettings.Message, StringComparison.Ordinal);

        var result = await runner.RunAsync([ok, ok with { Key = "b", Model = "no_such_model" }, ok with { Key = "c", Data = "{\"z\": 1}" }]);
        Assert.True(result.Completed);
        Assert.True(result["a"].Succeeded);
        Assert.Contains("no_such_model", result["b"].Error, StringComparison.Ordinal);
        Assert.Contains("y", result["c"].Error, StringComparison.Ordinal);
        Assert.All(result.Results, r => Assert.Equal(1, r.Attempts));
        Assert.Equal(2, result.Failed.Count);
    }

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        private readonly Lock _gate = new();

        public void Report(T value)
        {
            lock (_gate)
            {
                report(value);
            }
        }
    }
}
