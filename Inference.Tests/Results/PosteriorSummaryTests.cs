using Inference.Diagnostics;
using Inference.Randomness;
using Inference.Results;

namespace Inference.Tests.Results;

/// <summary>
/// Summaries of draws built by hand: partial runs (chains of unequal length, empty chains, one draw), values that
/// make R-hat and ESS undefined, stuck chains and tree-depth saturation all give a summary and a warning that names
/// the cause.
/// </summary>
public class PosteriorSummaryTests
{
    private static readonly string[] Names = ["a", "b"];

    /// <summary>Chains of iid standard normal draws in both columns, with NUTS-like statistics.</summary>
    private static ChainDraws Chain(int draws, ulong seed, double stepSize = 0.5, int treeDepth = 3, long gradients = -1)
    {
        var rng = new Rng(seed);
        var values = new double[draws * Names.Length];
        rng.Normal(values);
        var stats = Enumerable.Range(0, draws).Select(_ => new DrawStats(rng.Normal(), 0.8, stepSize, treeDepth, 7, false, rng.Normal())).ToArray();
        return new ChainDraws(Names.Length, values, draws, stats) { StepSize = stepSize, SamplingGradients = gradients < 0 ? 7L * draws : gradients };
    }

    private static PosteriorDraws Draws(bool completed, params ChainDraws[] chains) =>
        new(Names, chains, completed, "nuts", 1) { Info = new RunInfo(100, 500, 1, false, 0.8, 10, "diag_e", "test") };

    [Fact]
    public void CancelledRun_WithEmptyAndShortChains_IsSummarizedFromWhatEveryChainHas()
    {
        var draws = Draws(false, Chain(500, 1), Chain(0, 2), Chain(262, 3), Chain(0, 4));
        var summary = draws.Summary();

        Assert.Equal([500, 0, 262, 0], summary.DrawsPerChain);
        Assert.Equal(262, summary.CommonDraws);
        Assert.Equal([0, 2], draws.DiagnosedChains);
        Assert.Equal(762, draws.TotalDraws);
        // the rows are the diagnostics of the first 262 draws of chains 1 and 3
        var expected = new[] { draws.Chains[0].Values.Where((_, i) => i % 2 == 0).Take(262).ToArray(), draws.Chains[2].Values.Where((_, i) => i % 2 == 0).Take(262).ToArray() };
        Assert.Equal(Summaries.Mean(expected), summary["a"].Mean, 1e-12);
        Assert.Equal(Convergence.EssBulk(expected), summary["a"].EssBulk, 1e-9);
        Assert.Contains(summary.Warnings, w => w.Contains("(500, 0, 262, 0)", StringComparison.Ordinal) && w.Contains("chains 2 and 4 made no draws", StringComparison.Ordinal) && w.Contains("524 of 762", StringComparison.Ordinal));
        Assert.Contains(summary.Warnings, w => w.Contains("cancelled", StringComparison.Ordinal));
        // gradients are counted for the same draws as the ESS: chain 1 in proportion (262/500 of 3500), chain 3 whole
        Assert.Equal(1834 + 1834, draws.SamplingGradients);
        // every draw is still there for the user: all 500 of chain 1 by name
        Assert.Equal(762, draws["a"].Values.Length);
    }

    [Fact]
    public void ChainsWithOneDraw_GiveMeansAndAWarning_NotAnException()
    {
        var summary = Draws(false, Chain(1, 1), Chain(1, 2)).Summary();
        Assert.True(double.IsNaN(summary["a"].Rhat));
        Assert.True(double.IsFinite(summary["a"].Mean));
        Assert.Contains(summary.Warnings, w => w.Contains("too few for R-hat and ESS", StringComparison.Ordinal));
    }

    [Fact]
    public void NoDraws_GiveNaNRows_AndSaySo()
    {
        var summary = Draws(false, Chain(0, 1), Chain(0, 2)).Summary();
        Assert.All(summary.Rows, r => Assert.True(double.IsNaN(r.Mean)));
        Assert.Contains(summary.Warnings, w => w.Contains("No draws were made", StringComparison.Ordinal));
    }

    [Fact]
    public void ConstantAndNonFiniteColumns_AreNamedInWarnings()
    {
        var chains = new[] { Chain(200, 1), Chain(200, 2) };
        foreach (var c in chains)
        {
            for (int i = 0; i < c.Draws; i++)
            {
                c.Values[i * 2] = 3.0;             // a never changes
            }
        }

        chains[1].Values[(17 * 2) + 1] = double.NaN;  // b has one NaN draw
        var summary = Draws(true, chains).Summary();
        Assert.True(double.IsNaN(summary["a"].Rhat));
        Assert.Contains(summary.Warnings, w => w.Contains("never changed", StringComparison.Ordinal) && w.Contains(": a.", StringComparison.Ordinal));
        Assert.Contains(summary.Warnings, w => w.Contains("NaN or infinite: b.", StringComparison.Ordinal));
    }

    [Fact]
    public void TreeDepthWarning_UsesTheRunsOwnMaximum()
    {
        var shallow = new PosteriorDraws(Names, [Chain(100, 1, treeDepth: 6), Chain(100, 2, treeDepth: 6)], true, "nuts", 1)
        {
            Info = new RunInfo(100, 100, 1, false, 0.8, 6, "diag_e", "test"),
        };
        Assert.Contains(shallow.Summary().Warnings, w => w.Contains("200 transitions hit the maximum tree depth 6", StringComparison.Ordinal));
        var deep = Draws(true, Chain(100, 1, treeDepth: 6), Chain(100, 2, treeDepth: 6));
        Assert.DoesNotContain(deep.Summary().Warnings, w => w.Contains("tree depth", StringComparison.Ordinal));
    }

    [Fact]
    public void ChainWithCollapsedStepSize_IsNamedAsStuck()
    {
        var summary = Draws(true, Chain(200, 1, 0.52), Chain(200, 2, 0.61), Chain(200, 3, 3e-9), Chain(200, 4, 0.55)).Summary();
        var warning = Assert.Single(summary.Warnings, w => w.Contains("stuck", StringComparison.Ordinal));
        Assert.StartsWith("Chain 3 is stuck: its step size adapted to 3E-09 against 0.52–0.61", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void ChainThatNeverMoved_IsNamed()
    {
        var frozen = Chain(200, 2);
        for (int i = 1; i < frozen.Draws; i++)
        {
            frozen.Values.AsSpan(0, 2).CopyTo(frozen.Values.AsSpan(i * 2, 2));
        }

        var summary = Draws(true, Chain(200, 1), frozen).Summary();
        Assert.Contains(summary.Warnings, w => w.StartsWith("Chain 2 did not move: its 200 draws are all identical", StringComparison.Ordinal));
    }

    [Fact]
    public void UnknownNames_AreNamedInTheError()
    {
        var draws = Draws(true, Chain(50, 1), Chain(50, 2));
        var summaryError = Assert.Throws<KeyNotFoundException>(() => draws.Summary()["nope"]);
        Assert.Contains("'nope'", summaryError.Message, StringComparison.Ordinal);
        Assert.Contains("a, b", summaryError.Message, StringComparison.Ordinal);
        var drawsError = Assert.Throws<KeyNotFoundException>(() => draws["nope"]);
        Assert.Contains("'nope'", drawsError.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Indexer_GivesScalarsAndEveryElementOfAVector()
    {
        string[] names = ["mu", "theta[1]", "theta[2]", "theta[3]"];
        var values = Enumerable.Range(0, 40).Select(i => (double)i).ToArray();
        var stats = new DrawStats[10];
        var draws = new PosteriorDraws(names, [new ChainDraws(4, values, 10, stats)], true, "x", 1);

        Assert.Equal(Enumerable.Range(0, 10).Select(i => 4.0 * i).ToArray(), draws["mu"].Values);
        Assert.Equal(18.0, draws["mu"].Mean, 12);
        var theta = draws["theta"];
        Assert.Equal(["theta[1]", "theta[2]", "theta[3]"], theta.Elements);
        Assert.Equal([19.0, 20.0, 21.0], theta.Means);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (4.0 * i) + 2).ToArray(), theta.Element(1));
        var error = Assert.Throws<InvalidOperationException>(() => theta.Mean);
        Assert.Contains("'theta' has 3 elements", error.Message, StringComparison.Ordinal);
        Assert.Equal(draws["theta[2]"].Values, theta.Element(1));
    }
}
