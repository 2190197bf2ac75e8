using Inference.Flows;
using Inference.Flows.Bijectors;
using Inference.Flows.Modules;
using Inference.Randomness;
using Inference.Transforms;

namespace Inference.Tests.Flows;

/// <summary>
/// Every flow layer found by <see cref="FlowCases"/> (each layer's test file contributes its cases), with random
/// (non-identity) parameters: round trip, exact log-Jacobian, batches against single events, gradients in the input
/// (and the context of a conditional layer) against finite differences.
/// </summary>
public class FlowConformanceTests
{
    public static TheoryData<string, int> Cases() => FlowCases.Theory();

    public static TheoryData<string, int> ConditionalCases() => FlowCases.Theory(c => c.ContextDimension > 0);

    /// <summary>The case's layer as a Core bijector: itself, or bound to the case's fixed context when conditional.</summary>
    internal static IBijector Bijector(string name, int d) => Bound(FlowCases.Make(name, d), FlowCases.Context(name));

    internal static IBijector Bound(FlowBijector flow, double[] context) => flow.IsConditional ? new WithContext(flow, context) : flow;

    private static double[] Input(int d, int seed) => FlowCases.Input(d, seed);

    [Fact]
    public void EveryLibraryLayer_IsFoundByTheConformanceSuite()
    {
        var covered = FlowCases.All.Values
            .SelectMany(c => c.Dimensions.Take(1).SelectMany(d => FlowCases.Layers(FlowCases.Make(c.Name, d))))
            .Select(l => l.GetType()).ToHashSet();
        var missing = FlowCases.LibraryLayerTypes().Where(t => !covered.Contains(t)).Select(t => t.Name).ToArray();
        Assert.True(missing.Length == 0, $"Flow layers with no conformance case (add an IFlowCaseSource in their test file): {string.Join(", ", missing)}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RoundTrip_AndLogDetsAreOpposite(string name, int d)
    {
        var flow = Bijector(name, d);
        double tolerance = FlowCases.All[name].RoundTripTolerance;
        for (int rep = 0; rep < 10; rep++)
        {
            BijectorChecks.AssertRoundTrip(flow, Input(d, rep), $"{name} (D = {d})", tolerance);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void LogDet_EqualsBruteForceJacobian(string name, int d)
    {
        var flow = Bijector(name, d);
        for (int rep = 0; rep < 3; rep++)
        {
            BijectorChecks.AssertLogDetMatchesBruteForce(flow, Input(d, 50 + rep), $"{name} (D = {d})");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Batch_MatchesRowByRow_AndGradientsMatchFiniteDifferences(string name, int d)
    {
        var flow = Bijector(name, d);
        double step = FlowCases.All[name].GradientStep;
        var rows = Enumerable.Range(0, 3).Select(r => Input(d, 81 + (3 * r))).ToArray(); // unit-scale inputs: finite differences stay accurate
        var tape = new Tape();
        var y = flow.Forward(tape.Constant(rows.SelectMany(r => r).ToArray(), Shape.Matrix(3, d)), out var ld);
        for (int r = 0; r < 3; r++)
        {
            var yr = flow.Forward(tape.Constant(rows[r]), out var ldr);
            Assert.Equal(ldr.Item, ld.Value[r], 1e-12);
            for (int k = 0; k < d; k++)
            {
                Assert.Equal(yr.Value[k], y.Value[(r * d) + k], 1e-12);
            }
        }

        var input = new Tensor(rows.SelectMany(r => r).ToArray(), Shape.Matrix(3, d));
        var grad = GradCheck.Check(v => Ops.Sum(Ops.Square(flow.Forward(v[0], out var l))) + Ops.Sum(l), [input], step);
        Assert.True(grad.MaxRelativeError < 1e-6, $"{name} (D = {d}) forward: {grad}");
        var gradInverse = GradCheck.Check(v => Ops.Sum(Ops.Square(flow.Inverse(v[0], out var l))) + Ops.Sum(l), [input], step);
        Assert.True(gradInverse.MaxRelativeError < 1e-6, $"{name} (D = {d}) inverse: {gradInverse}");
    }

    [Theory]
    [MemberData(nameof(ConditionalCases))]
    public void Conditional_GradientsInTheContext_MatchFiniteDifferences_AndPerRowContextsMatchShared(string name, int d)
    {
        var flow = FlowCases.Make(name, d);
        var context = FlowCases.Context(name);
        int c = context.Length;
        var x = Enumerable.Range(0, 3).SelectMany(r => Input(d, 91 + (3 * r))).ToArray();
        double step = FlowCases.All[name].GradientStep;
        var inputs = new[] { new Tensor(x, Shape.Matrix(3, d)), new Tensor(context, Shape.Vector(c)) };
        foreach (bool inverse in new[] { false, true })
        {
            var grad = GradCheck.Check(
                v =>
                {
                    var y = inverse ? flow.Inverse(v[0], v[1], out var l) : flow.Forward(v[0], v[1], out l);
                    return Ops.Sum(Ops.Square(y)) + Ops.Sum(l);
                },
                inputs,
                step);
            Assert.True(grad.MaxRelativeError < 1e-6, $"{name} (D = {d}, inverse {inverse}): {grad}");
        }

        // a [rows, c] context holding the shared one in every row gives the same map; another context, another map
        var tape = new Tape();
        var batch = tape.Constant(x, Shape.Matrix(3, d));
        var shared = flow.Forward(batch, tape.Constant(context), out var ldShared);
        var perRow = flow.Forward(batch, tape.Constant([.. context, .. context, .. context], Shape.Matrix(3, c)), out var ldPerRow);
        Assert.Equal(shared.Value.ToArray(), perRow.Value.ToArray());
        Assert.Equal(ldShared.Value.ToArray(), ldPerRow.Value.ToArray());
        var other = flow.Forward(batch, tape.Constant(context.Select(v => v + 1).ToArray()), out _);
        Assert.NotEqual(shared.Value.ToArray(), other.Value.ToArray());
        Assert.Throws<InvalidOperationException>(() => flow.Forward(batch, out _));
    }

    /// <summary>A conditional layer with its context fixed: an ordinary bijector, so the shared checks apply.</summary>
    private sealed class WithContext(FlowBijector flow, double[] context) : IBijector
    {
        public int InputDimension => flow.Dimension;

        public int OutputDimension => flow.Dimension;

        public bool HasExactLogDet => flow.HasExactLogDet;

        public bool HasAnalyticInverse => flow.HasAnalyticInverse;

        public Var Forward(Var x, out Var logAbsDetJacobian) => flow.Forward(x, x.Tape.Constant(context), out logAbsDetJacobian);

        public Var Inverse(Var y, out Var logAbsDetJacobian) => flow.Inverse(y, y.Tape.Constant(context), out logAbsDetJacobian);
    }

    [Theory]
    [InlineData("affine coupling")]
    [InlineData("spline coupling")]
    [InlineData("iaf")]
    [InlineData("maf")]
    [InlineData("spline autoregressive (iaf)")]
    [InlineData("spline autoregressive (maf)")]
    [InlineData("elementwise affine")]
    [InlineData("lower-triangular affine")]
    public void FreshLayers_AreExactlyTheIdentity(string name)
    {
        // built as Make does but without the push off the initialization
        var rng = new Rng(3);
        FlowBijector flow = name switch
        {
            "affine coupling" => new AffineCoupling(5, [16], rng),
            "spline coupling" => new SplineCoupling(5, [16], rng),
            "iaf" => new MaskedAffineAutoregressive(5, [16], rng),
            "maf" => new MaskedAffineAutoregressive(5, [16], rng, AutoregressiveDirection.Masked),
            "spline autoregressive (iaf)" => new SplineAutoregressive(5, [16], rng),
            "spline autoregressive (maf)" => new SplineAutoregressive(5, [16], rng, direction: AutoregressiveDirection.Masked),
            "elementwise affine" => new ElementwiseAffine(5),
            _ => new LowerTriangularAffine(5),
        };
        var x = Input(5, 2);
        var tape = new Tape();
        var y = flow.Forward(tape.Constant(x, Shape.Matrix(1, 5)), out var ld);
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(x[i], y.Value[i], 1e-12);
        }

        Assert.Equal(0, ld.Value[0], 1e-12);
    }

    [Fact]
    public void ContractingIaf_StartsAsNormflowsDoes_RandomOutputLayerAndScaleBelowOne()
    {
        // nflows initializes the MADE output layer like any nn.Linear, so σ = sigmoid(h + 2) + 1e-3 varies per row
        var layer = new MaskedAffineAutoregressive(5, [16], new Rng(3), scale: AffineScale.Contracting);
        var output = layer.NamedParameters().Single(p => p.Name.EndsWith("layers.1.weight", StringComparison.Ordinal)).Parameter;
        Assert.Contains(output.Value.Data, w => w != 0);
        var tape = new Tape();
        var rows = new double[3 * 5];
        new Rng(4).Normal(rows);
        layer.Forward(tape.Constant(rows, Shape.Matrix(3, 5)), out var ld);
        Assert.All(ld.Value.ToArray(), v => Assert.InRange(v, 5 * Math.Log(1e-3), 5 * Math.Log(1.001)));
        Assert.NotEqual(ld.Value[0], ld.Value[1]);
    }

    [Theory]
    [InlineData("realnvp chain")]
    [InlineData("nsf chain")]
    [InlineData("iaf chain")]
    [InlineData("maf")]
    [InlineData("autoregressive spline chain")]
    [InlineData("planar")]
    [InlineData("radial")]
    [InlineData("lu linear")]
    [InlineData("actnorm")]
    [InlineData("lower-triangular affine")]
    public void ParameterGradients_MatchFiniteDifferences(string name)
    {
        // d/dθ of Σ log q(x) over a fixed batch, for every parameter of the flow (through its inverse)
        var flow = new FlowDistribution(FlowCases.Make(name, 3, 4));

        var x = new double[12];
        new Rng(5).Normal(x);
        double Objective()
        {
            var t = new Tape();
            using var s = t.NoGrad();
            return Ops.Sum(flow.LogProb(t.Constant(x, Shape.Matrix(4, 3)))).Item;
        }

        var tape = new Tape();
        flow.Transform.ZeroGrad();
        tape.Backward(Ops.Sum(flow.LogProb(tape.Constant(x, Shape.Matrix(4, 3)))));
        flow.Transform.CollectGradients(tape);
        double worst = 0;
        foreach (var p in flow.Parameters())
        {
            for (int i = 0; i < p.Value.Length; i++)
            {
                double v0 = p.Value[i], h = 1e-6 * Math.Max(1, Math.Abs(v0));
                p.Value[i] = v0 + h;
                double fp = Objective();
                p.Value[i] = v0 - h;
                double fm = Objective();
                p.Value[i] = v0;
                double numeric = (fp - fm) / (2 * h);
                worst = Math.Max(worst, Math.Abs(numeric - p.Grad[i]) / Math.Max(1, Math.Abs(numeric)));
            }
        }

        Assert.True(worst < 1e-6, $"{name}: worst relative error {worst:E2}");
    }

    [Theory]
    [InlineData("affine coupling", 5, 3)]
    [InlineData("affine coupling", 5, 12)]
    [InlineData("affine coupling", 40, 12)]
    [InlineData("realnvp chain", 40, 12)]
    public void ForwardParameterGradients_MatchFiniteDifferences(string name, int d, int rows)
    {
        // d/dθ of Σ w ⊙ T(z) + Σ log|J| over a fixed batch through the sampling direction, which VI differentiates
        // (the coupling's fused nodes, with 2 and 20 changed coordinates)
        var flow = FlowCases.Make(name, d, 6);
        var z = new double[rows * d];
        var w = new double[rows * d];
        new Rng(7).Normal(z);
        new Rng(8).Normal(w);
        Var Objective(Tape t)
        {
            var y = flow.Forward(t.Constant(z, Shape.Matrix(rows, d)), out var logDet);
            return Ops.Sum(y * t.Constant(w, Shape.Matrix(rows, d))) + Ops.Sum(logDet);
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
                p.Value[i] = v0 + h;
                double fp = Objective(new Tape()).Item;
                p.Value[i] = v0 - h;
                double fm = Objective(new Tape()).Item;
                p.Value[i] = v0;
                double numeric = (fp - fm) / (2 * h);
                worst = Math.Max(worst, Math.Abs(numeric - p.Grad[i]) / Math.Max(1, Math.Abs(numeric)));
            }
        }

        Assert.True(worst < 1e-6, $"{name}, D = {d}: worst relative error {worst:E2}");
    }

    [Theory]
    [InlineData("realnvp chain", 2)]
    [InlineData("realnvp chain", 5)]
    [InlineData("realnvp chain", 17)]
    [InlineData("nsf chain", 5)]
    [InlineData("iaf chain", 5)]
    public void Chains_MixEveryCoordinate(string name, int d)
    {
        // every output must depend on some other input: a coordinate that only ever passes through couplings
        // unchanged would have a Jacobian row with nothing off the diagonal
        var jacobian = BijectorChecks.Jacobian(FlowCases.Make(name, d, 12), Input(d, 7), out _);
        for (int i = 0; i < d; i++)
        {
            double offDiagonal = Enumerable.Range(0, d).Where(j => j != i).Sum(j => Math.Abs(jacobian[i, j]));
            Assert.True(offDiagonal > 1e-8, $"{name} D = {d}: output {i} depends on no other input");
        }
    }

    [Theory]
    [InlineData(5)]
    [InlineData(17)]
    public void Made_HasExactlyZeroJacobianAboveTheAutoregressiveOrder(int d)
    {
        var rng = new Rng(40 + d);
        var made = new Made(d, [32, 32], 3, rng, zeroInitLast: false);
        var tape = new Tape();
        var x = tape.Variable(Input(d, 3), Shape.Matrix(1, d));
        var h = made.Forward(x);
        var seed = new double[3 * d];
        int nonZeroBelow = 0;
        for (int o = 0; o < 3 * d; o++)
        {
            Array.Clear(seed);
            seed[o] = 1;
            tape.Backward(h, seed);
            int coordinate = o / 3;
            for (int j = 0; j < d; j++)
            {
                if (j >= coordinate)
                {
                    Assert.True(x.Grad[j] == 0, $"output {o} (coordinate {coordinate}) depends on input {j}: {x.Grad[j]:E3}");
                }
                else if (x.Grad[j] != 0)
                {
                    nonZeroBelow++;
                }
            }
        }

        // the allowed connections are used (the test would pass trivially for a constant network)
        Assert.True(nonZeroBelow > d * (d - 1) / 2, $"only {nonZeroBelow} non-zero entries below the order");
    }

    [Theory]
    [InlineData("iaf")]
    [InlineData("maf")]
    [InlineData("spline autoregressive (iaf)")]
    [InlineData("spline autoregressive (maf)")]
    public void AutoregressiveLayers_HaveTriangularJacobians(string name)
    {
        int d = 6;
        var jacobian = BijectorChecks.Jacobian(FlowCases.Make(name, d, 9), Input(d, 4), out _);
        for (int i = 0; i < d; i++)
        {
            for (int j = i + 1; j < d; j++)
            {
                Assert.True(jacobian[i, j] == 0, $"{name}: ∂y{i}/∂x{j} = {jacobian[i, j]:E3}");
            }

            Assert.True(i == 0 || Enumerable.Range(0, i).Any(j => jacobian[i, j] != 0), $"{name}: y{i} depends on no earlier input");
        }
    }

    [Fact]
    public void ActNorm_InitializesFromTheFirstBatch_ThenKeepsItsParameters()
    {
        var rng = new Rng(77);
        int n = 200, d = 3;
        var data = new double[n * d];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < d; j++)
            {
                data[(i * d) + j] = 5 + (j * 2) + ((j + 1) * rng.Normal());
            }
        }

        foreach (bool forward in new[] { true, false })
        {
            var norm = new ActNorm(d);
            Assert.False(norm.IsInitialized);
            var tape = new Tape();
            var batch = tape.Constant(data, Shape.Matrix(n, d));
            var output = forward ? norm.Forward(batch, out _) : norm.Inverse(batch, out _);
            Assert.True(norm.IsInitialized);
            for (int j = 0; j < d; j++)
            {
                var column = Enumerable.Range(0, n).Select(i => output.Value[(i * d) + j]).ToArray();
                Assert.Equal(0, column.Average(), 1e-12);
                Assert.Equal(1, MathNet.Numerics.Statistics.Statistics.StandardDeviation(column), 1e-12);
            }

            var before = norm.Parameters().SelectMany(p => p.Value.Data).ToArray();
            _ = norm.Forward(tape.Constant(data.Select(v => v * 3).ToArray(), Shape.Matrix(n, d)), out _);
            Assert.Equal(before, norm.Parameters().SelectMany(p => p.Value.Data).ToArray());
        }
    }

    [Fact]
    public void OneFlow_UsedByManyThreadsAtOnce_GivesTheSameResultsAsOneThread()
    {
        // parallel chains share one trained flow, each with its own tape
        var flow = FlowDistribution.RealNvp(5, 4, [16, 16], new Rng(21));
        foreach (var p in flow.Parameters())
        {
            for (int i = 0; i < p.Value.Length; i++)
            {
                p.Value[i] += 0.1 * ((i % 7) - 3);
            }
        }

        var inputs = Enumerable.Range(0, 64).Select(k => Input(5, 1000 + k)).ToArray();
        double Evaluate(Tape tape, double[] x, double[] grad)
        {
            tape.Reset();
            var v = tape.Variable(x);
            var y = flow.Transform.Forward(v, out var ld);
            var total = Ops.Sum(Ops.Square(y)) + ld;
            tape.Backward(total);
            v.Grad.CopyTo(grad);
            return total.Item;
        }

        var expected = inputs.Select(x =>
        {
            var g = new double[5];
            return (Evaluate(new Tape(), x, g), g);
        }).ToArray();
        var actual = new (double, double[])[inputs.Length];
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, worker =>
        {
            var tape = new Tape();
            for (int rep = 0; rep < 50; rep++)
            {
                for (int k = worker; k < inputs.Length; k += 8)
                {
                    var g = new double[5];
                    actual[k] = (Evaluate(tape, inputs[k], g), g);
                }
            }
        });

        for (int k = 0; k < inputs.Length; k++)
        {
            Assert.Equal(expected[k].Item1, actual[k].Item1);
            Assert.Equal(expected[k].Item2, actual[k].Item2);
        }
    }
}
