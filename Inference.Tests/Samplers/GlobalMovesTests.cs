using Inference.Densities;
using Inference.Diagnostics;
using Inference.Flows.Bijectors;
using Inference.Samplers.Kernels;
using Inference.Samplers.Population;
using Inference.Samplers.Reparam;
using Inference.Samplers.Running;
using Inference.Workflow.Automatic;

namespace Inference.Tests.Samplers;

/// <summary>
/// NUTS with global independence moves stays exact where the map is wrong: NeuTra through a map that is too narrow
/// (the base-space target is wider than the proposals), with the batched, cached evaluation path of the flow.
/// </summary>
public class GlobalMovesTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    public void NeuTraWithGlobalMoves_ThroughATooNarrowMap_RecoversTheMoments(int degreesOfFreedom)
    {
        // p = N((1, −2), diag(4, 0.25)); T(z) = z: the base-space target is p itself, sd 2 where N(0, I) proposes sd 1
        var target = LogDensity.FromTape(2, x =>
        {
            var a = Ops.Slice(x, 0, 1) - 1.0;
            var b = Ops.Slice(x, 1, 1) + 2.0;
            return Ops.Sum((-0.5 * Ops.Square(a) / 4.0) - (0.5 * Ops.Square(b) / 0.25));
        });
        var map = new FittedTransport(new ElementwiseAffine(2), 0.9, double.NaN, double.NaN);
        var result = NeuTra.Sample(target, map, new RunSettings { Seed = 21, Warmup = 300, Draws = 8000 }, new NeuTraOptions { GlobalSteps = 10, GlobalDegreesOfFreedom = degreesOfFreedom });
        double[] means = [1, -2], variances = [4, 0.25];
        for (int j = 0; j < 2; j++)
        {
            var x = result.Draws.Column(j);
            Assert.True(Math.Abs(Summaries.Mean(x) - means[j]) < 4 * Summaries.McseMean(x), $"mean x[{j}] {Summaries.Mean(x):F4} (MCSE {Summaries.McseMean(x):F4})");
            var squares = x.Select(c => c.Select(v => (v - means[j]) * (v - means[j])).ToArray()).ToArray();
            Assert.True(Math.Abs(Summaries.Mean(squares) - variances[j]) < 4 * Summaries.McseMean(squares), $"var x[{j}] {Summaries.Mean(squares):F4} (MCSE {Summaries.McseMean(squares):F4})");
        }

        Assert.Equal("nuts+global", result.Draws.Sampler);
        Assert.Contains(result.Warnings, w => w.StartsWith("The flow's PSIS k̂ is 0.90", StringComparison.Ordinal));
    }
}
