using Inference.Flows;
using Inference.Flows.Bijectors;
using Inference.Randomness;
using MathNet.Numerics.LinearAlgebra;

namespace Inference.Tests.Flows;

/// <summary>The proximal residual flow's conformance cases (fixed-point inverse: round trip to 1e-8).</summary>
public sealed class ProximalResidualFlowCases : IFlowCaseSource
{
    public IEnumerable<FlowCaseDefinition> Cases =>
    [
        new("proximal residual block", (d, rng) => new ProximalResidualBlock(d, 8, rng), [1, 2, 5, 17], RoundTripTolerance: 1e-8),
        new("proximal residual block (reproduce 3, tanh, γ = 1.9)", (d, rng) => new ProximalResidualBlock(d, 6, rng, gamma: 1.9, reproduce: 3, activation: ProximalActivation.Tanh), [2, 5], RoundTripTolerance: 1e-8),
        new("conditional proximal residual block", (d, rng) => new ProximalResidualBlock(d, 8, rng, reproduce: 2, contextDimension: 3, conditionHidden: 5), [2, 5], RoundTripTolerance: 1e-8, ContextDimension: 3),
        new("proximal residual flow", (d, rng) => FlowDistribution.ProximalResidualFlow(d, 3, 8, rng).Transform, [2, 5], Push: 0.2, RoundTripTolerance: 1e-8),
        new("conditional proximal residual flow", (d, rng) => FlowDistribution.ProximalResidualFlow(d, 2, 8, rng, reproduce: 2, contextDimension: 2, conditionHidden: 4).Transform, [3], Push: 0.2, RoundTripTolerance: 1e-8, ContextDimension: 2),
    ];
}

public class ProximalResidualBlockTests
{
    private static double[] Batch(int rows, int d, int seed)
    {
        var x = new double[rows * d];
        new Rng(seed).Normal(x);
        return x;
    }

    // Hertrich's reference setting: K = 3, d = 2, n = 4, γ = 1.99, parameters off their initialization
    private static ProximalResidualBlock Reference()
    {
        var block = new ProximalResidualBlock(2, 4, new Rng(21), layers: 3, gamma: 1.99);
        var rng = new Rng(22);
        foreach (var p in block.Parameters())
        {
            for (int i = 0; i < p.Value.Length; i++)
            {
                p.Value[i] += 0.3 * rng.Normal();
            }
        }

        block.Tolerance = 1e-15;
        block.MaxIterations = 20_000;
        return block;
    }

    [Fact]
    public void ReferenceSetting_RoundTripsTo1e12_AndTheContractionFactorIsBelowOne()
    {
        var block = Reference();
        Assert.Equal(1.99 * 0.75 / (1 + (1.99 * 0.25)), block.ContractionBound, 14);
        Assert.True(block.ContractionBound < 1);
        var tape = new Tape();
        var x = Batch(50, 2, 23);
        var y = block.Forward(tape.Constant(x, Shape.Matrix(50, 2)), out var ld);
        var back = block.Inverse(y, out var ldInverse);
        double worst = 0;
        for (int i = 0; i < x.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(back.Value[i] - x[i]));
        }

        Assert.True(worst < 1e-12, $"round trip error {worst:E2}");
        for (int r = 0; r < 50; r++)
        {
            Assert.Equal(-ld.Value[r], ldInverse.Value[r], 1e-10);
        }
    }

    [Fact]
    public void ReferenceSetting_ExactLogDet_MatchesBruteForceAndTheFactorizedForm_AndDetIsPositive()
    {
        var block = Reference();
        double gamma = 1.99, t = 0.75, kappa = 1 + (gamma * (1 - t));
        for (int rep = 0; rep < 20; rep++)
        {
            var x = Batch(1, 2, 100 + rep);
            var jacobian = Matrix<double>.Build.DenseOfArray(BijectorChecks.Jacobian(block, x, out double logDet));
            double det = jacobian.Determinant();
            Assert.True(det > 0, $"det J_T = {det} at rep {rep}");
            Assert.Equal(Math.Log(det), logDet, 1e-10);
            // log det J_T = d·log κ + log det(I + M), M = J_T/κ − I
            var m = (jacobian / kappa) - Matrix<double>.Build.DenseIdentity(2);
            double factorized = (2 * Math.Log(kappa)) + Math.Log((Matrix<double>.Build.DenseIdentity(2) + m).Determinant());
            Assert.Equal(factorized, logDet, 1e-10);
            Assert.True(m.L2Norm() <= block.ContractionBound + 1e-12, $"‖M‖ = {m.L2Norm()}");
        }
    }

    [Theory]
    [InlineData(1, double.PositiveInfinity)]
    [InlineData(2, 3.0)]
    [InlineData(3, 2.0)]
    [InlineData(5, 1.5)]
    public void GammaAtOrPastTheInvertibilityBound_IsRejected(int layers, double bound)
    {
        double t = layers / (layers + 1.0);
        if (double.IsFinite(bound))
        {
            // the averaged linear map Φ(x) = (1 − 2t)x (R = −Id) makes x + γΦ(x) singular exactly at the bound
            Assert.Equal(0, 1 + (bound * (1 - (2 * t))), 12);
            foreach (double gamma in new[] { bound, bound * 1.01, bound + 5 })
            {
                var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new ProximalResidualBlock(2, 4, new Rng(1), layers, gamma));
                Assert.Equal("gamma", ex.ParamName);
                Assert.Contains("invertible", ex.Message, StringComparison.Ordinal);
            }

            _ = new ProximalResidualBlock(2, 4, new Rng(1), layers, bound * (1 - 1e-9));
        }
        else
        {
            _ = new ProximalResidualBlock(2, 4, new Rng(1), layers, 1000);
        }

        foreach (double gamma in new[] { 0, -1, double.NaN })
        {
            Assert.Equal("gamma", Assert.Throws<ArgumentOutOfRangeException>(() => new ProximalResidualBlock(2, 4, new Rng(1), layers, gamma)).ParamName);
        }
    }

    [Theory]
    [InlineData(16, 4)]   // tall: orthonormal columns
    [InlineData(4, 2)]    // tall, few units
    [InlineData(3, 1)]    // hidden narrower than the tiled input (r = 3·d = 6 > 3): orthonormal rows
    public void ProjectedWeights_NeverExceedNormOne_EvenFarFromTheManifold(int hidden, int d)
    {
        var block = new ProximalResidualBlock(d, hidden, new Rng(31), reproduce: hidden == 3 ? 6 : 1);
        var rng = new Rng(32);
        foreach (var (name, p) in block.NamedParameters().Where(p => p.Name.EndsWith(".weight", StringComparison.Ordinal)))
        {
            for (int i = 0; i < p.Value.Length; i++)
            {
                p.Value[i] = 3 * rng.Normal(); // singular values far above 2: the rescaling guard is needed
            }
        }

        Assert.All(block.ProjectedSpectralNorms(), s => Assert.True(s <= 1 + 1e-12, $"‖A‖₂ = {s:R}"));
        block.ProjectWeights();
        Assert.All(block.ProjectedSpectralNorms(), s => Assert.Equal(1, s, 10));
        var tape = new Tape();
        using var scope = tape.NoGrad();
        _ = block.Forward(tape.Constant(new double[d]), out _); // evaluation asserts ‖A‖₂ ≤ 1 + 1e-6 and passes
    }

    [Fact]
    public void ParameterGradients_OfLogLikelihoodAndPenalty_MatchFiniteDifferences()
    {
        // d/dθ of Σ(½‖T(x)‖² − log|J|) + penalty, the maximum-likelihood objective, through the projection and the scale
        var flow = FlowCases.Make("proximal residual flow", 3, 5);
        var x = Batch(4, 3, 33);
        Var Objective(Tape t)
        {
            var z = flow.Forward(t.Constant(x, Shape.Matrix(4, 3)), out var ld);
            return (0.5 * Ops.Sum(Ops.Square(z))) - Ops.Sum(ld) + flow.Penalty(t);
        }

        var tape = new Tape();
        flow.ZeroGrad();
        tape.Backward(Objective(tape));
        flow.CollectGradients(tape);
        double worst = 0;
        foreach (var p in flow.Parameters())
        {
            for (int i = 0; i < p.Value.Length; i++)
            {
                double v0 = p.Value[i], h = 1e-6 * Math.Max(1, Math.Abs(v0));
                double Evaluate()
                {
                    var t = new Tape();
                    using var scope = t.NoGrad();
                    return Objective(t).Item;
                }

                p.Value[i] = v0 + h;
                double fp = Evaluate();
                p.Value[i] = v0 - h;
                double fm = Evaluate();
                p.Value[i] = v0;
                double numeric = (fp - fm) / (2 * h);
                worst = Math.Max(worst, Math.Abs(numeric - p.Grad[i]) / Math.Max(1, Math.Abs(numeric)));
            }
        }

        Assert.True(worst < 1e-5, $"worst relative error {worst:E2}");
    }

    [Fact]
    public void RescaledPowerSeries_IsUnbiasedForTheExactLogDet()
    {
        // γ = 1, K = 3: c = 0.6, so the roulette in M = (γJ_Φ − γ(1 − t)I)/κ has finite variance
        int d = 4, rows = 2;
        var exact = new ProximalResidualBlock(d, 8, new Rng(41), gamma: 1.0);
        var series = new ProximalResidualBlock(d, 8, new Rng(42), gamma: 1.0, logDet: ResidualLogDet.RussianRoulette);
        var rng = new Rng(43);
        foreach (var (a, b) in exact.Parameters().Zip(series.Parameters()))
        {
            for (int i = 0; i < a.Value.Length; i++)
            {
                a.Value[i] += 0.3 * rng.Normal();
            }

            a.Value.Data.CopyTo(b.Value.Data, 0);
        }

        var x = Batch(rows, d, 44);
        var tape = new Tape();
        double[] truth;
        using (tape.NoGrad())
        {
            _ = exact.Forward(tape.Constant(x, Shape.Matrix(rows, d)), out var ld);
            truth = ld.Value.ToArray();
        }

        const int Draws = 10_000;
        var sum = new double[rows];
        var sumSq = new double[rows];
        for (int k = 0; k < Draws; k++)
        {
            tape.Reset();
            _ = series.Forward(tape.Constant(x, Shape.Matrix(rows, d)), out var ld);
            for (int r = 0; r < rows; r++)
            {
                sum[r] += ld.Value[r];
                sumSq[r] += ld.Value[r] * ld.Value[r];
            }
        }

        for (int r = 0; r < rows; r++)
        {
            double mean = sum[r] / Draws, se = Math.Sqrt(((sumSq[r] / Draws) - (mean * mean)) / (Draws - 1));
            Assert.True(Math.Abs(mean - truth[r]) < 3 * se, $"row {r}: series mean {mean:F5} ± {se:F5}, exact {truth[r]:F5}");
            Assert.True(se > 1e-4);
        }
    }
}
