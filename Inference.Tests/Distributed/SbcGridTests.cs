using Inference.Distributed;
using MN = MathNet.Numerics.Distributions;

namespace Inference.Tests.Distributed;

/// <summary>
/// Simulation-based calibration run as a grid on the 3-silo cluster: 200 replications of a normal-normal model, one
/// chain each, 99 thinned draws; ranks uniform by χ² over 20 bins at the 1% level. The same grid with a prior too narrow
/// for the simulations must fail the same check (the test can fail).
/// </summary>
[Collection(OrleansClusterTests.Name)]
public class SbcGridTests(ClusterFixture fixture)
{
    private const int Replications = 200;
    private const int Thin = 2;
    private const int Bins = 20;

    [Fact]
    public async Task NormalNormal_AsAGridOnTheCluster_HasUniformRanks()
    {
        var settings = new CellSettings(Chains: 1, Warmup: 200, Draws: 99 * Thin);
        static SbcSimulation Simulate(Inference.Randomness.Rng rng)
        {
            double x = rng.Normal();
            double y = x + rng.Normal();
            return new SbcSimulation(new Dictionary<string, double> { ["x"] = x }, StanJson.From(("y", y)));
        }

        var calibrated = SbcGrid.Replications("normal_normal", "nuts", settings, Replications, 20261202, Simulate);
        var narrow = SbcGrid.Replications("normal_normal_narrow", "nuts", settings, Replications, 20261202, Simulate);
        var cells = calibrated.Select(r => r.Cell).Concat(narrow.Select(r => r.Cell with { Key = "narrow/" + r.Cell.Key })).ToArray();
        var result = await GridRunner.Cluster(fixture.Cluster.Client, new GridOptions { MaxConcurrentCells = 4 }).RunAsync(cells);
        Assert.True(result.Completed);
        Assert.Empty(result.Failed);

        double critical = MN.ChiSquared.InvCDF(Bins - 1, 0.99);
        var ranks = SbcGrid.Ranks(calibrated, result, Thin);
        Assert.Equal(99, ranks.Draws);
        double chi2 = ranks.ChiSquare("x", Bins);
        Assert.True(chi2 < critical, $"calibrated model: χ² = {chi2:F1} ≥ {critical:F1}");

        var narrowRanks = SbcGrid.Ranks(narrow.Select(r => r with { Cell = r.Cell with { Key = "narrow/" + r.Cell.Key } }).ToArray(), result, Thin);
        double chi2Narrow = narrowRanks.ChiSquare("x", Bins);
        Assert.True(chi2Narrow > critical, $"a prior too narrow passed: χ² = {chi2Narrow:F1} < {critical:F1}");
    }
}
