namespace Inference.Tests.Autodiff;

/// <summary>
/// Every op's vector-Jacobian product against central finite differences on random inputs, including
/// broadcast cases and batch shapes (GradCheck contracts tensor outputs with a random cotangent).
/// </summary>
public class OpGradientTests
{
    private const double Tolerance = 1e-6;

    public sealed record OpCase(string Name, Func<Var[], Var> Function, Func<Random, Tensor[]> Inputs)
    {
        public override string ToString() => Name;
    }

    private static Shape V(int n) => Shape.Vector(n);

    private static Shape M(int m, int n) => Shape.Matrix(m, n);

    private static Shape T3(int a, int b, int c) => Shape.Of(a, b, c);

    private static Func<Random, Tensor[]> U(double lo, double hi, params Shape[] shapes) =>
        rng => shapes.Select(s => TestData.Uniform(rng, s, lo, hi)).ToArray();

    private static Func<Random, Tensor[]> Kinked(params Shape[] shapes) =>
        rng => shapes.Select(s => TestData.AwayFromZero(rng, s, -2, 2, 0.05)).ToArray();

    private static readonly Tensor GlmX = TestData.Uniform(new Random(71), Shape.Matrix(7, 3), -2, 2);
    private static readonly Tensor GlmY = Tensor.FromVector([1.0, 0, 0, 1, 1, 0, 1]);
    private static readonly Tensor GlmXLong = TestData.Uniform(new Random(72), Shape.Matrix(4100, 3), -2, 2);
    private static readonly Tensor GlmYLong = Tensor.FromVector(Enumerable.Range(0, 4100).Select(i => (double)((i * 7) % 3 == 0 ? 1 : 0)).ToArray());

    private static readonly int[] GatherIndex = [2, 0, 2, 3, 1];
    private static readonly int[] TakeIndex12 = [4, 0, 2, 2, 1, 3, 0, 4, 4, 1, 3, 2];
    private static readonly int[] TakeIndex4 = [5, 0, 3, 3];
    private static readonly int[] ScatterIndex = [1, 3, 1];
    private static readonly bool[] Mask12 = [true, false, false, true, true, false, true, true, false, false, true, false];

    private static readonly CustomOp AffineCustom = new(
        "matvec",
        (in CustomOpInputs inp, Span<double> y) =>
        {
            // y = A x for A [3,4], x [4]
            for (int i = 0; i < 3; i++)
            {
                double s = 0;
                for (int j = 0; j < 4; j++)
                {
                    s += inp[0][(i * 4) + j] * inp[1][j];
                }

                y[i] = s;
            }
        },
        (in CustomOpInputs inp, ReadOnlySpan<double> y, ReadOnlySpan<double> g, in CustomOpGradients grads) =>
        {
            for (int i = 0; i < 3; i++)
            {
                for (int j = 0; j < 4; j++)
                {
                    if (grads.IsRequired(0))
                    {
                        grads[0][(i * 4) + j] += g[i] * inp[1][j];
                    }

                    if (grads.IsRequired(1))
                    {
                        grads[1][j] += g[i] * inp[0][(i * 4) + j];
                    }
                }
            }
        });

    // y = 3x, whose backward assigns x̄ when it is the first op to reach it (CustomOpGradients.ForWriting)
    private static readonly CustomOp TripleAssigning = new(
        "triple-assigning",
        (in CustomOpInputs inp, Span<double> y) =>
        {
            for (int i = 0; i < y.Length; i++)
            {
                y[i] = 3 * inp[0][i];
            }
        },
        (in CustomOpInputs inp, ReadOnlySpan<double> y, ReadOnlySpan<double> g, in CustomOpGradients grads) =>
        {
            var gx = grads.ForWriting(0, out bool assign);
            for (int i = 0; i < gx.Length; i++)
            {
                gx[i] = (assign ? 0 : gx[i]) + (3 * g[i]);
            }
        });

    public static readonly OpCase[] All =
    [
        // broadcasting binary ops
        new("add same", v => v[0] + v[1], U(-2, 2, M(3, 4), M(3, 4))),
        new("add row over batch", v => v[0] + v[1], U(-2, 2, M(3, 4), V(4))),
        new("add column", v => v[0] + v[1], U(-2, 2, M(3, 4), M(3, 1))),
        new("add scalar tensor", v => v[0] + v[1], U(-2, 2, M(3, 4), Shape.Scalar)),
        new("add scalar left", v => v[1] + v[0], U(-2, 2, M(3, 4), Shape.Scalar)),
        new("add rank3 batch", v => v[0] + v[1], U(-2, 2, T3(2, 3, 4), M(3, 4))),
        new("add outer broadcast", v => v[0] + v[1], U(-2, 2, T3(2, 1, 4), M(3, 1))),
        new("sub same", v => v[0] - v[1], U(-2, 2, M(3, 4), M(3, 4))),
        new("sub row", v => v[0] - v[1], U(-2, 2, M(3, 4), V(4))),
        new("sub column from left", v => v[1] - v[0], U(-2, 2, M(3, 4), M(3, 1))),
        new("mul same", v => v[0] * v[1], U(-2, 2, M(3, 4), M(3, 4))),
        new("mul row", v => v[0] * v[1], U(-2, 2, M(3, 4), V(4))),
        new("mul column", v => v[1] * v[0], U(-2, 2, M(3, 4), M(3, 1))),
        new("mul scalar", v => v[0] * v[1], U(-2, 2, T3(2, 3, 4), Shape.Scalar)),
        new("div same", v => v[0] / v[1], U(0.5, 2, M(3, 4), M(3, 4))),
        new("div row", v => v[0] / v[1], U(0.5, 2, M(3, 4), V(4))),
        new("div column left", v => v[1] / v[0], U(0.5, 2, M(3, 4), M(3, 1))),
        new("pow same", v => Ops.Pow(v[0], v[1]), U(0.5, 2, M(3, 4), M(3, 4))),
        new("pow row", v => Ops.Pow(v[0], v[1]), U(0.5, 2, M(3, 4), V(4))),
        new("pow scalar exponent", v => Ops.Pow(v[0], v[1]), U(0.5, 2, V(5), Shape.Scalar)),

        // ops with a constant
        new("add constant", v => v[0] + 1.5, U(-2, 2, M(3, 4))),
        new("constant minus", v => 1.5 - v[0], U(-2, 2, M(3, 4))),
        new("scale", v => v[0] * -2.5, U(-2, 2, M(3, 4))),
        new("scale, input reached first by another op", v => (v[0] * -2.5) + Ops.Exp(v[0]), U(-2, 2, M(3, 4))),
        new("constant over", v => 3.0 / v[0], U(0.5, 2, M(3, 4))),
        new("pow constant", v => Ops.Pow(v[0], 2.7), U(0.5, 2, M(3, 4))),

        // unary
        new("neg", v => -v[0], U(-2, 2, M(3, 4))),
        new("exp", v => Ops.Exp(v[0]), U(-2, 2, M(3, 4))),
        new("log", v => Ops.Log(v[0]), U(0.2, 3, M(3, 4))),
        new("log1p", v => Ops.Log1p(v[0]), U(-0.8, 3, M(3, 4))),
        new("expm1", v => Ops.Expm1(v[0]), U(-2, 2, M(3, 4))),
        new("sqrt", v => Ops.Sqrt(v[0]), U(0.2, 3, M(3, 4))),
        new("square", v => Ops.Square(v[0]), U(-2, 2, M(3, 4))),
        new("abs", v => Ops.Abs(v[0]), Kinked(M(3, 4))),
        new("tanh", v => Ops.Tanh(v[0]), U(-3, 3, M(3, 4))),
        new("sigmoid", v => Ops.Sigmoid(v[0]), U(-5, 5, M(3, 4))),
        new("log-sigmoid", v => Ops.LogSigmoid(v[0]), U(-20, 20, M(3, 4))),
        new("softplus", v => Ops.Softplus(v[0]), U(-20, 20, M(3, 4))),
        new("relu", v => Ops.Relu(v[0]), Kinked(M(3, 4))),
        new("elu", v => Ops.Elu(v[0], 0.7), Kinked(M(3, 4))),
        new("leaky-relu", v => Ops.LeakyRelu(v[0], 0.1), Kinked(M(3, 4))),
        new("lgamma", v => Ops.LGamma(v[0]), U(0.3, 8, M(3, 4))),
        new("lgamma negative", v => Ops.LGamma(v[0]), U(-2.9, -2.1, V(5))),
        new("digamma", v => Ops.Digamma(v[0]), U(0.3, 8, M(3, 4))),
        new("clamp", v => Ops.Clamp(v[0], -1, 1), rng => [Clampable(rng)]),

        // reductions
        new("sum all", v => Ops.Sum(v[0]), U(-2, 2, T3(2, 3, 4))),
        new("sum axis 0", v => Ops.Sum(v[0], 0), U(-2, 2, T3(2, 3, 4))),
        new("sum axis 1", v => Ops.Sum(v[0], 1), U(-2, 2, T3(2, 3, 4))),
        new("sum last axis", v => Ops.Sum(v[0], -1), U(-2, 2, T3(2, 3, 4))),
        new("mean all", v => Ops.Mean(v[0]), U(-2, 2, M(3, 4))),
        new("mean rows", v => Ops.Mean(v[0], 0), U(-2, 2, M(3, 4))),
        new("logsumexp all", v => Ops.LogSumExp(v[0]), U(-3, 3, M(3, 4))),
        new("logsumexp axis 0", v => Ops.LogSumExp(v[0], 0), U(-3, 3, T3(2, 3, 4))),
        new("logsumexp axis 1", v => Ops.LogSumExp(v[0], 1), U(-3, 3, T3(2, 3, 4))),
        new("logsumexp last", v => Ops.LogSumExp(v[0], -1), U(-3, 3, M(3, 4))),
        new("softmax last", v => Ops.Softmax(v[0]), U(-3, 3, M(3, 4))),
        new("softmax axis 0", v => Ops.Softmax(v[0], 0), U(-3, 3, M(3, 4))),
        new("softmax middle", v => Ops.Softmax(v[0], 1), U(-3, 3, T3(2, 3, 4))),
        new("log-softmax last", v => Ops.LogSoftmax(v[0]), U(-3, 3, M(3, 4))),
        new("log-softmax axis 0", v => Ops.LogSoftmax(v[0], 0), U(-3, 3, T3(2, 3, 4))),

        // linear algebra
        new("matmul", v => Ops.MatMul(v[0], v[1]), U(-1, 1, M(5, 4), M(4, 3))),
        new("matmul blocked tails", v => Ops.MatMul(v[0], v[1]), U(-1, 1, M(9, 7), M(7, 19))),
        new("matmul batch", v => Ops.MatMul(v[0], v[1]), U(-1, 1, T3(2, 5, 4), M(4, 3))),
        new("matvec", v => Ops.MatMul(v[0], v[1]), U(-1, 1, M(7, 6), V(6))),
        new("vecmat", v => Ops.MatMul(v[0], v[1]), U(-1, 1, V(6), M(6, 9))),
        new("matmul vectors", v => Ops.MatMul(v[0], v[1]), U(-1, 1, V(6), V(6))),
        new("linear", v => Ops.Linear(v[0], v[1], v[2]), U(-1, 1, M(5, 4), M(3, 4), V(3))),
        new("bernoulli-logit glm", v => Ops.BernoulliLogitGlm(v[0].Tape.Constant(GlmY), v[0].Tape.Constant(GlmX), v[0], v[1]), U(-1, 1, Shape.Scalar, V(3))),
        new("bernoulli-logit glm, many rows (blocks and tails)", v => Ops.BernoulliLogitGlm(v[0].Tape.Constant(GlmYLong), v[0].Tape.Constant(GlmXLong), v[0], v[1]), U(-0.5, 0.5, Shape.Scalar, V(3))),
        new("linear 512-bit tiles and tails", v => Ops.Linear(v[0], v[1], v[2]), U(-1, 1, M(9, 7), M(37, 7), V(37))),
        new("linear, 20 rows (transposed-weight path)", v => Ops.Linear(v[0], v[1], v[2]), U(-1, 1, M(20, 7), M(11, 7), V(11))),
        new("take along last axis, rank 3", v => Ops.TakeAlongLastAxis(v[0], TakeIndex12) * 2.0, U(-1, 1, T3(3, 4, 5))),
        new("take along last axis, rank 2, reused", v => Ops.TakeAlongLastAxis(v[0], TakeIndex4) + Ops.Sum(v[0], -1), U(-1, 1, M(4, 6))),
        new("linear relu", v => Ops.LinearRelu(v[0], v[1], v[2]), U(-1, 1, M(5, 4), M(3, 4), V(3))),
        new("linear relu, 20 rows, 17 outputs", v => Ops.LinearRelu(v[0], v[1], v[2]), U(-1, 1, M(20, 6), M(17, 6), V(17))),
        new("linear relu input reused", v => Ops.LinearRelu(v[0], v[1], v[2]) * Ops.Linear(v[0], v[1], v[2]), U(-1, 1, M(5, 4), M(3, 4), V(3))),
        new("linear input reused", v => Ops.Linear(v[0], v[1], v[2]) + Ops.MatMul(v[0], Ops.Transpose(v[1])), U(-1, 1, M(5, 4), M(3, 4), V(3))),

        // determinants and solves (well-conditioned: random entries plus 2·I on every matrix)
        new("log abs det", v => Ops.LogAbsDet(v[0]), rng => [Conditioned(rng, M(4, 4))]),
        new("log abs det, negative determinant", v => Ops.LogAbsDet(v[0] * -1.0), rng => [Conditioned(rng, M(3, 3))]),
        new("log abs det batch", v => Ops.LogAbsDet(v[0]), rng => [Conditioned(rng, T3(3, 5, 5))]),
        new("solve vector", v => Ops.Solve(v[0], v[1]), rng => [Conditioned(rng, M(4, 4)), TestData.Uniform(rng, V(4), -1, 1)]),
        new("solve matrix", v => Ops.Solve(v[0], v[1]), rng => [Conditioned(rng, M(3, 3)), TestData.Uniform(rng, M(3, 2), -1, 1)]),

        // fused flow nodes: a coupling's bounded log-scales and affine map, an autoregressive layer's log-scale and affine map
        new("slice tanh", v => Ops.SliceTanh(v[0], 1, 3), U(-2, 2, M(4, 6))),
        new("slice tanh, input reused", v => Ops.SliceTanh(v[0], 0, 2) * Ops.Slice(v[0], 2, 2), U(-2, 2, M(3, 4))),
        new("coupling affine", v => Ops.CouplingAffine(v[0], v[1], v[2], v[3], 2, 3), U(-1, 1, M(4, 5), M(4, 3), V(3), M(4, 6))),
        new("coupling affine, changed first, long rows", v => Ops.CouplingAffine(v[0], v[1], v[2], v[3], 0, 20), U(-1, 1, M(3, 40), M(3, 20), V(20), M(3, 40))),
        new("coupling affine, inputs reached first", v => Ops.CouplingAffine(v[0], v[1], v[2], v[3], 1, 0) + Ops.Exp(v[0]), U(-1, 1, M(3, 3), M(3, 2), V(2), M(3, 2))),
        new("coupling affine, shift is t", v => Ops.CouplingAffine(v[0], v[1], v[2], v[1], 2, 0), U(-1, 1, M(3, 4), M(3, 2), V(2))),
        new("log scaled sigmoid, doubled", v => Ops.LogScaledSigmoid(v[0], 1, ScaledSigmoid.Doubled), U(-6, 6, T3(3, 4, 2))),
        new("log scaled sigmoid, contracting", v => Ops.LogScaledSigmoid(v[0], 1, ScaledSigmoid.Contracting), U(-6, 6, T3(3, 4, 2))),
        new("log scaled sigmoid, rank 2, component 0", v => Ops.LogScaledSigmoid(v[0], 0, new ScaledSigmoid(0.5, -1, 0.2)), U(-4, 4, M(5, 3))),
        new("exp affine", v => Ops.ExpAffine(v[0], v[1], v[2], 0), U(-1, 1, M(3, 4), M(3, 4), T3(3, 4, 2))),
        new("exp affine after its log-scale", v => Ops.ExpAffine(v[0], Ops.LogScaledSigmoid(v[1], 1, ScaledSigmoid.Doubled), v[1], 0), U(-1, 1, M(3, 4), T3(3, 4, 2))),
        new("exp affine, shift component 2", v => Ops.ExpAffine(v[0], v[1], v[2], 2) * v[0], U(-1, 1, M(2, 3), M(2, 3), T3(2, 3, 3))),

        // fresh-gradient paths: an input reached by several consumers, overwritten first, then added to
        new("slice both halves", v => Ops.Slice(v[0], 0, 2) * Ops.Slice(v[0], 2, 2), U(-1, 1, M(3, 4))),
        new("gather permutation reused", v => Ops.Gather(v[0], [2, 0, 1]) * v[0], U(-1, 1, M(4, 3))),
        new("concat reused", v => Ops.Concat([v[0], Ops.Exp(v[0])]) * Ops.Concat([v[0], v[0]]), U(-1, 1, M(3, 2))),
        new("reshape reused", v => Ops.Reshape(v[0], V(6)) * Ops.Reshape(Ops.Tanh(v[0]), V(6)), U(-1, 1, M(2, 3))),
        new("sum axis reused", v => Ops.Sum(v[0], -1) * Ops.Sum(v[0] * v[0], -1), U(-1, 1, M(3, 4))),
        new("cumsum", v => Ops.CumSum(v[0]), U(-1, 1, V(6))),
        new("cumsum batch", v => Ops.CumSum(v[0]), U(-1, 1, T3(2, 3, 4))),
        new("log-sum-exp elementwise", v => Ops.LogSumExp(v[0], v[1]), U(-3, 3, M(3, 4), M(3, 4))),
        new("log-sum-exp elementwise, scalar operand", v => Ops.LogSumExp(v[1], v[0]), U(-3, 3, V(5), Shape.Scalar)),
        new("log-mix", v => Ops.LogMix(v[0], v[1], v[2]), rng => [TestData.Uniform(rng, V(5), 0.05, 0.95), TestData.Uniform(rng, V(5), -3, 3), TestData.Uniform(rng, V(5), -3, 3)]),
        new("cos", v => Ops.Cos(v[0]), U(-4, 4, M(3, 4))),
        new("log Bessel I0", v => Ops.LogBesselI0(v[0]), U(-30, 30, M(3, 4))),
        new("log normal CDF", v => Ops.LogNormalCdf(v[0]), U(-45, 8, M(3, 4))),
        // fused location-scale densities (one node; constant arguments as attributes)
        new("normal density, all tape values", v => Inference.Distributions.Normal.LogProb(v[0], v[1], Ops.Exp(v[2])), U(-1, 1, V(9), V(9), V(9))),
        new("normal density, scalar mean and scale", v => Inference.Distributions.Normal.LogProb(v[0], v[1], Ops.Exp(v[2])), U(-1, 1, V(11), Shape.Scalar, Shape.Scalar)),
        new("normal density, constant mean and scale", v => Inference.Distributions.Normal.LogProb(v[0], 0.3, 1.7), U(-2, 2, M(3, 5))),
        new("normal density, scalar x, vector mean", v => Inference.Distributions.Normal.LogProb(v[0], v[1], 2.0), U(-2, 2, Shape.Scalar, V(7))),
        new("normal density, data x, vector scale", v => Inference.Distributions.Normal.LogProb(v[0].Tape.Constant(GlmY), v[0], Ops.Exp(v[1])), U(-1, 1, V(7), V(7))),
        new("normal density, reused argument", v => Inference.Distributions.Normal.LogProb(v[0], v[0] * 0.5, Ops.Exp(v[0])), U(-1, 1, V(5))),
        new("student-t density, nu 3.5", v => Inference.Distributions.StudentT.LogProb(v[0], 3.5, v[1], Ops.Exp(v[2])), U(-2, 2, V(9), Shape.Scalar, V(9))),
        new("cauchy density", v => Inference.Distributions.Cauchy.LogProb(v[0], v[1], Ops.Exp(v[2])), U(-2, 2, V(6), V(6), Shape.Scalar)),
        new("half-cauchy density", v => Inference.Distributions.HalfCauchy.LogProb(Ops.Exp(v[0]), Ops.Exp(v[1])), U(-2, 2, V(6), Shape.Scalar)),
        new("normal density, general broadcast (composed)", v => Inference.Distributions.Normal.LogProb(v[0], v[1], 1.5), U(-1, 1, M(3, 4), V(4))),
        new("log-mix, scalar weight", v => Ops.LogMix(v[0], v[1], v[2]), rng => [TestData.Uniform(rng, Shape.Scalar, 0.1, 0.9), TestData.Uniform(rng, M(2, 3), -3, 3), TestData.Uniform(rng, M(2, 3), -3, 3)]),
        new("dot", v => Ops.Dot(v[0], v[1]), U(-1, 1, M(3, 4), M(3, 4))),
        new("transpose", v => Ops.Transpose(v[0]) * v[1], U(-1, 1, M(3, 5), M(5, 3))),
        new("transpose batch", v => Ops.Transpose(v[0]), U(-1, 1, T3(2, 3, 5))),

        // structure
        new("reshape", v => Ops.Reshape(v[0], M(4, 3)) * v[1], U(-1, 1, M(3, 4), M(4, 3))),
        new("slice last", v => Ops.Slice(v[0], 1, 2), U(-1, 1, M(3, 4))),
        new("slice rows", v => Ops.Slice(v[0], 1, 2, axis: 0), U(-1, 1, M(3, 4))),
        new("slice last, long rows", v => Ops.Slice(v[0], 5, 20), U(-1, 1, M(3, 40))),
        new("slice both halves, long rows", v => Ops.Slice(v[0], 0, 20) * Ops.Slice(v[0], 20, 20), U(-1, 1, M(3, 40))),
        new("slice middle, long blocks", v => Ops.Slice(v[0], 2, 2, axis: 1), U(-1, 1, T3(2, 6, 20))),
        new("slices overlapping", v => Ops.Slice(v[0], 0, 3) * Ops.Slice(v[0], 1, 3), U(-1, 1, M(3, 4))),
        new("slices overlapping, long rows", v => Ops.Slice(v[0], 0, 30) * Ops.Slice(v[0], 5, 30), U(-1, 1, M(3, 40))),
        new("slice one of a pair", v => Ops.Slice(v[0], 1, 1) * Ops.Slice(v[0], 0, 1), U(-1, 1, T3(4, 5, 2))),
        new("slice middle", v => Ops.Slice(v[0], 0, 2, axis: 1), U(-1, 1, T3(2, 3, 4))),
        new("concat last", v => Ops.Concat([v[0], v[1], v[0]]), U(-1, 1, M(3, 2), M(3, 4))),
        new("concat scalars and a vector", v => Ops.Concat([v[0], v[1], v[0] * v[0]]), U(-1, 1, Shape.Scalar, V(4))),
        new("scan, scalar coefficient", v => Ops.Scan(v[0], v[1], v[2]), U(-0.9, 0.9, V(7), Shape.Scalar, Shape.Scalar)),
        new("scan, coefficient per step", v => Ops.Scan(v[0], v[1], v[2]), U(-0.9, 0.9, V(6), V(6), Shape.Scalar)),
        new("scan, rows of recursions", v => Ops.Scan(v[0], v[1], v[2]), U(-0.9, 0.9, M(3, 5), M(3, 5), V(3))),
        new("scan, rows, shared scalars", v => Ops.Scan(v[0], v[1], v[2]), U(-0.9, 0.9, M(2, 4), Shape.Scalar, Shape.Scalar)),
        new("scan, input reused after", v => Ops.Scan(v[0], v[1], v[2]) * v[0], U(-0.9, 0.9, V(5), Shape.Scalar, Shape.Scalar)),
        new("concat rows", v => Ops.Concat([v[0], v[1]], axis: 0), U(-1, 1, M(2, 4), M(3, 4))),
        new("gather last with repeats", v => Ops.Gather(v[0], GatherIndex), U(-1, 1, M(3, 4))),
        new("gather rows", v => Ops.Gather(v[0], GatherIndex, axis: 0), U(-1, 1, M(4, 3))),
        new("scatter last", v => Ops.Scatter(v[0], ScatterIndex, 5), U(-1, 1, M(2, 3))),
        new("scatter last, input reached first by another op", v => Ops.Sum(Ops.Scatter(v[0], ScatterIndex, 5), -1) + Ops.Sum(Ops.Exp(v[0]), -1), U(-1, 1, M(2, 3))),
        new("scatter rows", v => Ops.Scatter(v[0], ScatterIndex, 4, axis: 0), U(-1, 1, M(3, 2))),
        new("where", v => Ops.Where(Mask12, v[0], v[1]), U(-1, 1, M(3, 4), M(3, 4))),
        new("mask", v => Ops.Where(Mask12, v[0], -7.0), U(-1, 1, M(3, 4))),
        new("custom op", v => Ops.Custom(AffineCustom, V(3), v[0], v[1]), U(-1, 1, M(3, 4), V(4))),
        new("custom op assigning, only consumer", v => Ops.Custom(TripleAssigning, V(4), v[0]), U(-1, 1, V(4))),
        new("custom op assigning, reached first", v => Ops.Exp(v[0]) + Ops.Custom(TripleAssigning, V(4), v[0]), U(-1, 1, V(4))),
        new("custom op assigning, reached second", v => Ops.Custom(TripleAssigning, V(4), v[0]) * v[0], U(-1, 1, V(4))),

        // composites
        new("mlp layer", v => Ops.Tanh(Ops.MatMul(v[0], v[1]) + v[2]), U(-1, 1, M(6, 5), M(5, 9), V(9))),
        new("logistic log-lik", v => Ops.Sum((v[2] * Ops.MatMul(v[0], v[1])) - Ops.Softplus(Ops.MatMul(v[0], v[1]))), U(-1, 1, M(8, 3), V(3), V(8))),
        new("reused node", v => (v[0] * v[0]) + Ops.Exp(v[0]) * v[0], U(-1, 1, V(5))),
    ];

    // random entries in ±1 plus 2·I on each matrix of the last two axes (then no pivot is close to zero)
    private static Tensor Conditioned(Random rng, Shape shape)
    {
        var t = TestData.Uniform(rng, shape, -1, 1);
        int n = shape[shape.Rank - 1];
        for (int m = 0; m < t.Length / (n * n); m++)
        {
            for (int i = 0; i < n; i++)
            {
                t[(m * n * n) + (i * n) + i] += 2;
            }
        }

        return t;
    }

    private static Tensor Clampable(Random rng)
    {
        var t = TestData.Uniform(rng, M(3, 4), -2, 2);
        for (int i = 0; i < t.Length; i++)
        {
            if (Math.Abs(Math.Abs(t[i]) - 1) < 0.05)
            {
                t[i] = 0.5;
            }
        }

        return t;
    }

    public static TheoryData<OpCase> Cases()
    {
        var data = new TheoryData<OpCase>();
        foreach (var c in All)
        {
            data.Add(c);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Op_RandomInputs_GradientMatchesFiniteDifferences(OpCase c)
    {
        var rng = new Random(Seeds.For(c.Name, Seeds.OpInputs));
        var inputs = c.Inputs(rng);
        var result = GradCheck.Check(c.Function, inputs);
        Assert.True(result.MaxRelativeError < Tolerance, $"{c.Name}: {result}");
    }

    [Fact]
    public void GradCheck_WrongGradient_IsDetected()
    {
        // A deliberately wrong VJP (factor 2 missing) must fail the check: the checker can fail.
        var wrong = new CustomOp(
            "wrong-square",
            (in CustomOpInputs inp, Span<double> y) =>
            {
                for (int i = 0; i < y.Length; i++)
                {
                    y[i] = inp[0][i] * inp[0][i];
                }
            },
            (in CustomOpInputs inp, ReadOnlySpan<double> y, ReadOnlySpan<double> g, in CustomOpGradients grads) =>
            {
                for (int i = 0; i < y.Length; i++)
                {
                    grads[0][i] += g[i] * inp[0][i];
                }
            });
        var x = TestData.Uniform(new Random(1), V(4), 0.5, 1);
        var result = GradCheck.Check(v => Ops.Custom(wrong, V(4), v[0]), [x]);
        Assert.True(result.MaxRelativeError > 0.1, result.ToString());
    }

    [Fact]
    public void CustomOp_ForWriting_OverwritesStaleGradientsOfAReusedTape()
    {
        // The second backward pass on a reused tape must not see the first pass's gradients: the assigning op
        // reports overwrite = true once per pass, and an op after it in the backward order adds.
        var tape = new Tape();
        double[] expected = new double[4];
        for (int pass = 0; pass < 2; pass++)
        {
            tape.Reset();
            var x = tape.Variable([1.0 + pass, -2, 0.5, 3]);
            var y = Ops.Sum(Ops.Square(x) + Ops.Custom(TripleAssigning, Shape.Vector(4), x));
            tape.Backward(y);
            for (int i = 0; i < 4; i++)
            {
                expected[i] = (2 * x.Value[i]) + 3;
            }

            Assert.Equal(expected, x.Grad.ToArray());
        }
    }

    [Fact]
    public void LinearRelu_EqualsReluOfLinear_ToTheBit()
    {
        var rng = new Random(7);
        var x = TestData.Uniform(rng, M(24, 9), -1, 1);
        var w = TestData.Uniform(rng, M(13, 9), -1, 1);
        var b = TestData.Uniform(rng, V(13), -1, 1);
        var cot = TestData.Uniform(rng, M(24, 13), -1, 1);
        (double[] Y, double[] Gx, double[] Gw, double[] Gb) Run(Func<Var, Var, Var, Var> layer)
        {
            var tape = new Tape();
            var (xv, wv, bv) = (tape.Variable(x), tape.Variable(w), tape.Variable(b));
            var y = layer(xv, wv, bv);
            tape.Backward(Ops.Sum(y * tape.Constant(cot)));
            return (y.Value.ToArray(), xv.Grad.ToArray(), wv.Grad.ToArray(), bv.Grad.ToArray());
        }

        var fused = Run(Ops.LinearRelu);
        var composed = Run((a, c, d) => Ops.Relu(Ops.Linear(a, c, d)));
        Assert.Contains(0.0, fused.Y);
        Assert.Equal(composed.Y, fused.Y);
        Assert.Equal(composed.Gx, fused.Gx);
        Assert.Equal(composed.Gw, fused.Gw);
        Assert.Equal(composed.Gb, fused.Gb);
    }

    [Fact]
    public void TakeAlongLastAxis_PicksOneEntryPerLine_AndChecksItsIndices()
    {
        var tape = new Tape();
        var x = tape.Variable([1.0, 2, 3, 4, 5, 6], Shape.Matrix(2, 3));
        var y = Ops.TakeAlongLastAxis(x, [2, 0]);
        Assert.Equal(Shape.Vector(2), y.Shape);
        Assert.Equal([3.0, 4], y.Value.ToArray());
        tape.Backward(Ops.Sum(y * tape.Constant([10.0, 20])));
        Assert.Equal([0.0, 0, 10, 20, 0, 0], x.Grad.ToArray());
        Assert.Throws<ArgumentException>("index", () => Ops.TakeAlongLastAxis(x, [0]));
        Assert.Throws<ArgumentOutOfRangeException>("index", () => Ops.TakeAlongLastAxis(x, [0, 3]));
    }
}
