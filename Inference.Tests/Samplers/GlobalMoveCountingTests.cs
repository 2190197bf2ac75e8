using Inference.Densities;
using Inference.Samplers.Kernels;
using Inference.Samplers.Population;
using Inference.Samplers.Running;

namespace Inference.Tests.Samplers;

/// <summary>
/// The evaluations a run with global moves reports are the evaluations it made: every target call after the start
/// (batched proposals one per point, the deferred gradient after accepted moves one each) is in SamplingGradients.
/// </summary>
public class GlobalMoveCountingTests
{
    [Fact]
    public void LocalGlobalKernel_ReportsEveryTargetEvaluation()
    {
        var counting = new CountingDensity(LogDensity.FromTape(2, x => -0.5 * Ops.Dot(x, x)));
        var kernel = new LocalGlobalKernel(new Nuts(), GaussianProposal.Isotropic(2, 1.2), globalSteps: 5);
        var draws = ChainRunner.Run(kernel, counting, new RunSettings { Chains = 1, Warmup = 0, Draws = 600, Seed = 7, InitialStepSize = 0.8, InitialPositions = [[0.1, -0.2]] });
        var stats = draws.Chains[0].Stats;
        long local = stats.Where(s => !double.IsNaN(s.Energy)).Sum(s => (long)s.LeapfrogSteps);
        // two gradients before sampling (the runner's check of the initial position, the chain's start), then exactly what
        // the transitions report
        Assert.Equal(2 + draws.SamplingGradients, counting.Values + counting.Gradients);
        // gradients only in the local transitions (NUTS, plus the deferred one after accepted moves); the 100 batches of 5
        // proposals are values without gradients, one per point
        Assert.Equal(2 + local, counting.Gradients);
        Assert.Equal(500, counting.Values);
        Assert.Contains(stats, s => double.IsNaN(s.Energy) && s.LeapfrogSteps == 0);
    }

    private sealed class CountingDensity(ILogDensity inner) : ILogDensity
    {
        private long _values, _gradients;

        public long Values => Interlocked.Read(ref _values);

        public long Gradients => Interlocked.Read(ref _gradients);

        public int Dimension => inner.Dimension;

        public IReadOnlyList<string> CoordinateNames => inner.CoordinateNames;

        public ILogDensityEvaluator CreateEvaluator() => new Evaluator(this, inner.CreateEvaluator());

        private sealed class Evaluator(CountingDensity owner, ILogDensityEvaluator inner) : ILogDensityEvaluator
        {
            public int Dimension => inner.Dimension;

            public double LogDensity(ReadOnlySpan<double> x)
            {
                Interlocked.Increment(ref owner._values);
                return inner.LogDensity(x);
            }

            public double LogDensityAndGradient(ReadOnlySpan<double> x, Span<double> gradient)
            {
                Interlocked.Increment(ref owner._gradients);
                return inner.LogDensityAndGradient(x, gradient);
            }

            public void LogDensityAndGradientBatch(ReadOnlySpan<double> points, Span<double> values, Span<double> gradients)
            {
                int d = Dimension;
                for (int b = 0; b < values.Length; b++)
                {
                    values[b] = LogDensityAndGradient(points.Slice(b * d, d), gradients.Slice(b * d, d));
                }
            }
        }
    }
}
