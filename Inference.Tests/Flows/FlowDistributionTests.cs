using Inference.Densities;
using Inference.Flows;
using Inference.Randomness;

namespace Inference.Tests.Flows;

public class FlowDistributionTests
{
    [Fact]
    public void Whiten_NeverChangesItsReceiver_NotEvenWhenTheWhitenedFlowTrains()
    {
        // a correlated Gaussian far from the origin
        var target = LogDensity.FromTape(2, x =>
        {
            var a = Ops.Slice(x, 0, 1) - 30.0;
            var b = Ops.Slice(x, 1, 1) + 12.0;
            return -0.5 * Ops.Sum((Ops.Square(a) * 0.25) + (Ops.Square(b - (0.45 * a)) * 5.0));
        });
        var laplace = LaplaceApproximation.Fit(target);
        var x = new double[] { 28.5, -12.7 };
        foreach (var flow in new[] { FlowDistribution.MeanField(2), FlowDistribution.FullRank(2), FlowDistribution.RealNvp(2, 2, [8], new Rng(1)) })
        {
            var before = flow.Parameters().SelectMany(p => p.Value.Data.ToArray()).ToArray();
            var tape = new Tape();
            double logQ = flow.LogProb(tape.Constant(x)).Item;
            var whitened = flow.Whiten(laplace);
            Assert.NotSame(flow, whitened);
            Assert.NotEqual(logQ, whitened.LogProb(tape.Constant(x)).Item);
            foreach (var p in whitened.Parameters())
            {
                for (int i = 0; i < p.Value.Length; i++)
                {
                    p.Value[i] += 0.01; // a training step's worth of change
                }
            }

            Assert.Equal(before, flow.Parameters().SelectMany(p => p.Value.Data.ToArray()).ToArray());
            Assert.Equal(logQ, flow.LogProb(tape.Constant(x)).Item);
        }
    }
}
