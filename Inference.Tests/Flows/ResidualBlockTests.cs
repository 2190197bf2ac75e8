using Inference.Flows;
using Inference.Flows.Bijectors;
using Inference.Flows.Modules;
using Inference.Randomness;
using MathNet.Numerics.LinearAlgebra;

namespace Inference.Tests.Flows;

/// <summary>The residual flow's conformance cases (fixed-point inverse: round trip to 1e-8).</summary>
public sealed class ResidualFlowCases : IFlowCaseSource
{
    public IEnumerable<FlowCaseDefinition> Cases =>
    [
        new("residual block", (d, rng) => new ResidualBlock(d, [16, 16], rng, logDet: ResidualLogDet.Exact, zeroInit: false), [1, 2, 5, 17], RoundTripTolerance: 1e-8),
        new("residual block (elu)", (d, rng) => new ResidualBlock(d, [12], rng, lipschitz: 0.9, activation: LipschitzActivation.Elu, logDet: ResidualLogDet.Exact, zeroInit: false), [2, 5], RoundTripTolerance: 1e-8),
        new("residual flow", (d, rng) => FlowDistribution.ResidualFlow(d, 3, [16, 16], rng, logDet: ResidualLogDet.Exact).Transform, [2, 5], Push: 0.2, RoundTripTolerance: 1e-8),
    ];
}

public class ResidualBlockTests
{
    private static double[] Batch(int rows, int d, int seed)
    {
        var x = new double[rows * d];
        new Rng(seed).Normal(x);
        return x;
    }

    // g(x) = −a·(x + 5) + small terms: an ELU network in its linear region with W₁ = √a·I + ε, W₂ = −√a·I + ε, so
    // J_g ≈ −a·I and the power series needs its high-order terms (a = 0.6 keeps the roulette's variance finite)
    private static (ResidualBlock Exact, ResidualBlock Roulette) StrongPair(int d)
    {
        var exact = new ResidualBlock(d, [d], new Rng(11), lipschitz: 0.97, activation: LipschitzActivation.Elu, logDet: ResidualLogDet.Exact, zeroInit: false);
        var roulette = new ResidualBlock(d, [d], new Rng(12), lipschitz: 0.97, activation: LipschitzActivation.Elu, logDet: ResidualLogDet.RussianRoulette, zeroInit: false);
        var rng = new Rng(13);
        var p = exact.Parameters();
        double root = Math.Sqrt(0.6);
        for (int i = 0; i < d; i++)
        {
            for (int j = 0; j < d; j++)
            {
                p[0].Value[(i * d) + j] = (i == j ? root : 0) + (0.02 * rng.Normal());
                p[2].Value[(i * d) + j] = (i == j ? -root : 0) + (0.02 * rng.Normal());
            }

            p[1].Value[i] = 5;
        }

        foreach (var (a, b) in exact.Parameters().Zip(roulette.Parameters()))
        {
            a.Value.Data.CopyTo(b.Value.Data, 0);
        }

        var tape = new Tape();
        using (tape.NoGrad())
        {
            _ = exact.Forward(tape.Constant(new double[d]), out _);
            _ = roulette.Forward(tape.Constant(new double[d]), out _);
        }

        return (exact, roulette);
    }

    // D = 40, hidden 40: the no-gradient path splits more than 2621 rows into pieces; each piece runs on its own scratch
    // tape, so the caller's tape keeps only inputs and results, and the values equal one pass on a recording tape
    [Fact]
    public void LargeBatchWithoutGradientsRunsInPiecesOffTheCallersTape()
    {
        const int d = 40, n = 2700;
        var block = new ResidualBlock(d, [d], new Rng(21), activation: LipschitzActivation.Elu, logDet: ResidualLogDet.Exact, zeroInit: false);
        var rng = new Rng(22);
        var x = new double[n * d];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = rng.Normal();
        }

        var whole = new Tape { BindsVariables = false }; // recording (one pass, no pieces) but not training
        var yWhole = block.Forward(whole.Constant(x, Shape.Matrix(n, d)), out var ldWhole).Value.ToArray();
        var ldWholeValues = ldWhole.Value.ToArray();
        var xBack = block.Inverse(whole.Constant(yWhole, Shape.Matrix(n, d)), out _).Value.ToArray();

        var tape = new Tape();
        double[] yPieces, ldPieces, xPieces;
        using (tape.NoGrad())
        {
            yPieces = block.Forward(tape.Constant(x, Shape.Matrix(n, d)), out var ld).Value.ToArray();
            ldPieces = ld.Value.ToArray();
            int forwardNodes = tape.Count;
            xPieces = block.Inverse(tape.Constant(yPieces, Shape.Matrix(n, d)), out _).Value.ToArray();
            Assert.InRange(forwardNodes, 1, 8);
            Assert.InRange(tape.Count, 1, 16);
        }

        for (int i = 0; i < n * d; i++)
        {
            Assert.Equal(yWhole[i], yPieces[i], 1e-12);
            Assert.Equal(xBack[i], xPieces[i], 1e-9);
            Assert.Equal(x[i], xPieces[i], 1e-8);
        }

        for (int r = 0; r < n; r++)
        {
            Assert.Equal(ldWholeValues[r], ldPieces[r], 1e-10);
        }
    }

    [Fact]
    public void ABoundOfOneOrMore_IsRejected()
    {
        foreach (double c in new[] { 1.0, 1.5, 0, double.NaN })
        {
            Assert.Equal("lipschitz", Assert.Throws<ArgumentOutOfRangeException>(() => new ResidualBlock(3, [8], new Rng(1), lipschitz: c)).ParamName);
        }
    }

    [Fact]
    public void AFreshBlock_IsTheIdentity()
    {
        var block = new ResidualBlock(4, [8], new Rng(2));
        var tape = new Tape();
        var x = Batch(3, 4, 3);
        var y = block.Forward(tape.Constant(x, Shape.Matrix(3, 4)), out var logDet);
        Assert.Equal(x, y.Value.ToArray());
        Assert.All(logDet.Value.ToArray(), v => Assert.Equal(0, v, 1e-15));
    }

    [Fact]
    public void TheLipschitzBound_HoldsExactlyAtEvaluation_EvenAfterTheWeightsJumped()
    {
        // a training pass takes one power-iteration step, which underestimates σ after a jump; evaluation uses the SVD
        var layer = new SpectralNormLinear(12, 10, new Rng(4), lipschitz: 0.9);
        var rng = new Rng(5);
        for (int i = 0; i < layer.Weight.Value.Length; i++)
        {
            layer.Weight.Value[i] = 3 * rng.Normal();
        }

        double Norm(Var w) => Matrix<double>.Build.DenseOfRowMajor(10, 12, w.Value.ToArray()).L2Norm();
        var training = new Tape();
        double afterOneStep = Norm(layer.NormalizedWeight(training, training: true));
        var evaluation = new Tape();
        double atEvaluation = Norm(layer.NormalizedWeight(evaluation, training: false));
        Assert.True(atEvaluation <= 0.9 * (1 + 1e-12), $"‖W̃‖₂ = {atEvaluation:R} at evaluation");
        Assert.True(atEvaluation >= 0.9 * (1 - 1e-12), $"‖W̃‖₂ = {atEvaluation:R}: the bound should be active");
        Assert.True(afterOneStep > 0.9 * (1 + 1e-3), $"one power-iteration step gave ‖W̃‖₂ = {afterOneStep:R}: the test needs a case it underestimates");
        Assert.Equal(0.9, layer.NormalizedSpectralNorm(), 12);
    }

    [Fact]
    public void TheInverse_RaisesAClearError_WhenItDoesNotConverge()
    {
        var block = (ResidualBlock)FlowCases.Make("residual block", 5);
        block.MaxIterations = 3;
        var tape = new Tape();
        var ex = Assert.Throws<InvalidOperationException>(() => block.Inverse(tape.Constant(Batch(2, 5, 6), Shape.Matrix(2, 5)), out _));
        Assert.Contains("did not converge", ex.Message, StringComparison.Ordinal);
        Assert.Contains("3 fixed-point iterations", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("strong")]
    [InlineData("random")]
    public void RussianRoulette_IsUnbiasedForTheExactLogDet_Within3StandardErrors(string kind)
    {
        // the same layer with the exact and the roulette log-determinant; 10⁴ draws of the estimator at one batch
        int d = kind == "strong" ? 3 : 6, rows = 2;
        var (exact, roulette) = kind == "strong" ? StrongPair(d) : RandomPair(d);
        var x = Batch(rows, d, 8);
        var tape = new Tape();
        double[] truth;
        using (tape.NoGrad())
        {
            _ = roulette.Forward(tape.Constant(x, Shape.Matrix(rows, d)), out var ld);
            truth = ld.Value.ToArray();
            _ = exact.Forward(tape.Constant(x, Shape.Matrix(rows, d)), out var exactLd);
            Assert.Equal(truth, exactLd.Value.ToArray());
        }

        const int Draws = 10_000;
        var sum = new double[rows];
        var sumSq = new double[rows];
        for (int k = 0; k < Draws; k++)
        {
            tape.Reset(); // a new generation: new probes
            _ = roulette.Forward(tape.Constant(x, Shape.Matrix(rows, d)), out var ld);
            for (int r = 0; r < rows; r++)
            {
                sum[r] += ld.Value[r];
                sumSq[r] += ld.Value[r] * ld.Value[r];
            }
        }

        for (int r = 0; r < rows; r++)
        {
            double mean = sum[r] / Draws, se = Math.Sqrt(((sumSq[r] / Draws) - (mean * mean)) / (Draws - 1));
            Assert.True(Math.Abs(mean - truth[r]) < 3 * se, $"row {r}: roulette mean {mean:F5} ± {se:F5}, exact {truth[r]:F5}");
            Assert.True(se > 1e-4, "the estimator should be stochastic");
            Assert.True(Math.Abs(truth[r]) > 10 * se, "the test needs a log-determinant well away from 0");
        }
    }

    private static (ResidualBlock Exact, ResidualBlock Roulette) RandomPair(int d)
    {
        var exact = (ResidualBlock)FlowCases.Make("residual block", d);
        var roulette = new ResidualBlock(d, [16, 16], new Rng(7), logDet: ResidualLogDet.RussianRoulette, zeroInit: false);
        foreach (var (a, b) in exact.Parameters().Zip(roulette.Parameters()))
        {
            a.Value.Data.CopyTo(b.Value.Data, 0);
        }

        // one pass without gradients takes the exact singular vectors; a training pass with unchanged weights then
        // refreshes nothing, so both layers use the same normalized weights
        var tape = new Tape();
        using (tape.NoGrad())
        {
            _ = roulette.Forward(tape.Constant(new double[d]), out _);
        }

        return (exact, roulette);
    }

    [Theory]
    [InlineData("strong")]
    [InlineData("random")]
    public void RussianRoulette_GradientIsUnbiasedForTheExactGradient(string kind)
    {
        // mean over draws of the Neumann-series gradient of Σ log|det| in the parameters, against the exact gradient
        int d = kind == "strong" ? 3 : 4;
        var (exact, roulette) = kind == "strong" ? StrongPair(d) : RandomPair(d);
        var x = Batch(3, d, 9);
        double[] Gradient(ResidualBlock block, Tape tape)
        {
            tape.Reset();
            block.ZeroGrad();
            _ = block.Forward(tape.Constant(x, Shape.Matrix(3, d)), out var ld);
            tape.Backward(Ops.Sum(ld));
            block.CollectGradients(tape);
            return block.Parameters().SelectMany(p => p.Grad).ToArray();
        }

        var tape = new Tape();
        var truth = Gradient(exact, tape);
        const int Draws = 4000;
        var sum = new double[truth.Length];
        var sumSq = new double[truth.Length];
        for (int k = 0; k < Draws; k++)
        {
            var g = Gradient(roulette, tape);
            for (int i = 0; i < g.Length; i++)
            {
                sum[i] += g[i];
                sumSq[i] += g[i] * g[i];
            }
        }

        int outside = 0, checkedCount = 0;
        double worst = 0;
        for (int i = 0; i < truth.Length; i++)
        {
            double mean = sum[i] / Draws, se = Math.Sqrt(Math.Max(0, (sumSq[i] / Draws) - (mean * mean)) / (Draws - 1));
            if (se == 0 && Math.Abs(mean - truth[i]) < 1e-12)
            {
                continue;
            }

            checkedCount++;
            double z = Math.Abs(mean - truth[i]) / Math.Max(se, 1e-300);
            worst = Math.Max(worst, z);
            if (z > 4)
            {
                outside++;
            }
        }

        Assert.True(checkedCount >= (kind == "strong" ? 10 : 100), $"{checkedCount} coordinates checked");
        Assert.True(outside <= 1, $"{outside} of {checkedCount} gradient coordinates beyond 4 standard errors (worst {worst:F1})");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ParameterGradients_ThroughTheForwardMap_AndTheImplicitInverse_MatchFiniteDifferences(bool inverse)
    {
        // d/dθ of Σ ‖T(x)‖² + log|J| over a fixed batch; through the inverse this is the implicit-function gradient
        var flow = FlowCases.Make("residual flow", 3, 4);
        var x = Batch(4, 3, 10);
        Var Objective(Tape t)
        {
            var v = t.Constant(x, Shape.Matrix(4, 3));
            var y = inverse ? flow.Inverse(v, out var ld) : flow.Forward(v, out ld);
            return Ops.Sum(Ops.Square(y)) + Ops.Sum(ld);
        }

        var tape = new Tape();
        flow.ZeroGrad();
        tape.Backward(Objective(tape));
        flow.CollectGradients(tape);
        double worst = 0;
        int index = 0;
        foreach (var p in flow.Parameters())
        {
            // every third value of every parameter (each inverse runs a fixed-point iteration: the full set takes seconds)
            for (int i = 0; i < p.Value.Length; i++, index++)
            {
                if (index % 3 != 0 && p.Value.Length > 1)
                {
                    continue;
                }

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

        Assert.True(worst < 1e-5, $"inverse {inverse}: worst relative error {worst:E2}");
    }
}
