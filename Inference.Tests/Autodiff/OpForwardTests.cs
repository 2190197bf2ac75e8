using MathNet.Numerics;

namespace Inference.Tests.Autodiff;

/// <summary>Forward values of the ops against independent scalar references.</summary>
public class OpForwardTests
{
    public static TheoryData<string> UnaryNames() =>
    [
        "exp", "log", "log1p", "expm1", "sqrt", "square", "abs", "tanh", "sigmoid", "log-sigmoid", "softplus",
        "relu", "elu", "leaky-relu", "lgamma", "digamma", "neg",
    ];

    private static (Func<Var, Var> Op, Func<double, double> Reference, double Lo, double Hi) Unary(string name) => name switch
    {
        "exp" => (Ops.Exp, Math.Exp, -30, 30),
        "log" => (Ops.Log, Math.Log, 1e-3, 50),
        "log1p" => (Ops.Log1p, x => x == 0 ? 0 : Math.Log(1 + x) * x / (1 + x - 1), -0.9, 5),
        "expm1" => (Ops.Expm1, x => Math.Abs(x) < 1e-5 ? x + (x * x / 2) + (x * x * x / 6) : Math.Exp(x) - 1, -5, 5),
        "sqrt" => (Ops.Sqrt, Math.Sqrt, 0, 50),
        "square" => (Ops.Square, x => x * x, -5, 5),
        "abs" => (Ops.Abs, Math.Abs, -5, 5),
        "tanh" => (Ops.Tanh, Math.Tanh, -20, 20),
        "sigmoid" => (Ops.Sigmoid, x => 1 / (1 + Math.Exp(-x)), -30, 30),
        "log-sigmoid" => (Ops.LogSigmoid, x => -(Math.Max(-x, 0) + Math.Log(1 + Math.Exp(-Math.Abs(x)))), -30, 30),
        "softplus" => (Ops.Softplus, x => Math.Max(x, 0) + Math.Log(1 + Math.Exp(-Math.Abs(x))), -30, 30),
        "relu" => (Ops.Relu, x => Math.Max(x, 0), -5, 5),
        "elu" => (x => Ops.Elu(x), x => x > 0 ? x : Math.Exp(x) - 1, -5, 5),
        "leaky-relu" => (x => Ops.LeakyRelu(x), x => x > 0 ? x : 0.01 * x, -5, 5),
        "lgamma" => (Ops.LGamma, SpecialFunctions.GammaLn, 0.01, 30),
        "digamma" => (Ops.Digamma, SpecialFunctions.DiGamma, 0.01, 30),
        "neg" => (Ops.Neg, x => -x, -5, 5),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(UnaryNames))]
    public void UnaryOp_MatchesScalarReference(string name)
    {
        var (op, reference, lo, hi) = Unary(name);
        var x = TestData.Uniform(new Random(Seeds.OpInputs), Shape.Vector(257), lo, hi);
        var tape = new Tape();
        var y = op(tape.Constant(x)).Value;
        for (int i = 0; i < x.Length; i++)
        {
            double expected = reference(x[i]);
            Assert.True(Math.Abs(y[i] - expected) <= 1e-13 * Math.Max(1, Math.Abs(expected)), $"{name}({x[i]:R}) = {y[i]:R}, expected {expected:R}");
        }
    }

    [Theory]
    [InlineData(1e-10)]
    [InlineData(-1e-12)]
    [InlineData(1e-17)]
    [InlineData(3e-300)]
    public void Log1pAndExpm1_TinyArguments_KeepFullPrecision(double x)
    {
        var tape = new Tape();
        var v = tape.Constant([x]);
        // log1p(x) = x − x²/2 + …, expm1(x) = x + x²/2 + …: both equal x to double precision here.
        Assert.Equal(x - (x * x / 2), Ops.Log1p(v).Item, 1e-15 * Math.Abs(x));
        Assert.Equal(x + (x * x / 2), Ops.Expm1(v).Item, 1e-15 * Math.Abs(x));
    }

    [Fact]
    public void Softplus_ExtremeArguments_StayFinite()
    {
        var tape = new Tape();
        var y = Ops.Softplus(tape.Constant([-800.0, 800.0, -40.0])).Value;
        Assert.Equal(0, y[0]);
        Assert.Equal(800, y[1]);
        Assert.Equal(Math.Exp(-40), y[2], 1e-30);
    }

    [Fact]
    public void LGamma_NegativeNonInteger_IsLogAbsGamma()
    {
        // Γ(−2.5) = −8√π/15 < 0
        var tape = new Tape();
        Assert.Equal(Math.Log(8 * Math.Sqrt(Math.PI) / 15), Ops.LGamma(tape.Constant([-2.5])).Item, 1e-13);
    }

    [Fact]
    public void Trigamma_KnownValues()
    {
        Assert.Equal(Math.PI * Math.PI / 6, global::Inference.Autodiff.Kernels.SpecialFunctions.Trigamma(1), 1e-14);
        Assert.Equal(Math.PI * Math.PI / 2, global::Inference.Autodiff.Kernels.SpecialFunctions.Trigamma(0.5), 1e-13);
        // ψ′(x + 1) = ψ′(x) − 1/x²
        double x = 0.3;
        Assert.Equal(
            global::Inference.Autodiff.Kernels.SpecialFunctions.Trigamma(x) - (1 / (x * x)),
            global::Inference.Autodiff.Kernels.SpecialFunctions.Trigamma(x + 1),
            1e-12);
    }

    [Fact]
    public void SoftmaxAndLogSumExp_LargeValues_AreStable()
    {
        var tape = new Tape();
        var x = tape.Constant([1000.0, 1001.0, 999.0]);
        var s = Ops.Softmax(x).Value;
        double z = 1 + Math.Exp(1) + Math.Exp(-1);
        Assert.Equal(1 / z, s[0], 1e-15);
        Assert.Equal(Math.E / z, s[1], 1e-15);
        Assert.Equal(1000 + Math.Log(z), Ops.LogSumExp(x).Item, 1e-12);
        Assert.Equal(-Math.Log(z), Ops.LogSoftmax(x).Value[0], 1e-12);
    }

    [Fact]
    public void LogSumExpElementwiseAndLogMix_MatchDirectFormulas_AndHandleTheEdges()
    {
        var tape = new Tape();
        double[] a = [-1.5, 0.2, 700, double.NegativeInfinity], b = [0.3, 0.2, 699, 2.0];
        var lse = Ops.LogSumExp(tape.Constant(a), tape.Constant(b)).Value;
        Assert.Equal(Math.Log(Math.Exp(-1.5) + Math.Exp(0.3)), lse[0], 1e-15);
        Assert.Equal(0.2 + Math.Log(2), lse[1], 1e-15);
        Assert.Equal(700 + Math.Log(1 + Math.Exp(-1)), lse[2], 1e-12);    // e^700 overflows a direct sum
        Assert.Equal(2.0, lse[3]);
        double[] theta = [0.3, 0.0, 1.0];
        var mix = Ops.LogMix(tape.Constant(theta), tape.Constant([-1.0, -1.0, -1.0]), tape.Constant([0.5, 0.5, 0.5])).Value;
        Assert.Equal(Math.Log((0.3 * Math.Exp(-1)) + (0.7 * Math.Exp(0.5))), mix[0], 1e-15);
        Assert.Equal(0.5, mix[1], 1e-15);
        Assert.Equal(-1.0, mix[2], 1e-15);
        // θ at 0: the gradient in θ is e^{λ₁ − y} − e^{λ₂ − y}, finite
        var t0 = tape.Variable(0.0);
        tape.Backward(Ops.LogMix(t0, tape.Constant(-1.0), tape.Constant(0.5)));
        Assert.Equal(Math.Exp(-1.5) - 1, t0.Grad[0], 1e-15);
        Assert.Equal("b", Assert.Throws<ArgumentException>(() => Ops.LogSumExp(tape.Constant(new double[3]), tape.Constant(new double[4]))).ParamName);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.4)]
    [InlineData(-3.0)]
    [InlineData(25.0)]
    [InlineData(650.0)]
    [InlineData(5000.0)]
    public void LogBesselI0_MatchesTheSeriesAndTheAsymptote(double x)
    {
        // I₀(x) = Σ (x²/4)ᵏ/(k!)²; for large x, e^x/√(2πx)·(1 + 1/(8x) + 9/(128x²) + 225/(3072x³))
        double expected;
        if (Math.Abs(x) < 30)
        {
            double term = 1, sum = 1;
            for (int k = 1; k < 200; k++)
            {
                term *= x * x / 4 / k / k;
                sum += term;
            }

            expected = Math.Log(sum);
        }
        else
        {
            double r = 1 / (8 * x);
            expected = x - (0.5 * Math.Log(2 * Math.PI * x)) + Math.Log(1 + r + (4.5 * r * r) + (37.5 * r * r * r));
        }

        Assert.Equal(expected, Ops.LogBesselI0(new Tape().Constant(x)).Item, 1e-12 * Math.Max(1, Math.Abs(expected)));
    }

    [Theory]
    [InlineData(-3.0)]
    [InlineData(0.0)]
    [InlineData(1.7)]
    [InlineData(9.0)]
    [InlineData(-30.0)]
    public void LogNormalCdf_MatchesLogOfPhi(double x)
    {
        double expected = x > 0 ? Math.Log(1 - MathNet.Numerics.Distributions.Normal.CDF(0, 1, -x)) : Math.Log(MathNet.Numerics.Distributions.Normal.CDF(0, 1, x));
        if (x > 5)
        {
            expected = -MathNet.Numerics.Distributions.Normal.CDF(0, 1, -x);    // log(1 − ε) = −ε to double precision
        }

        Assert.Equal(expected, Ops.LogNormalCdf(new Tape().Constant(x)).Item, 1e-12 * Math.Max(1e-10, Math.Abs(expected)));
    }

    [Fact]
    public void Reductions_ByAxis_MatchLoops()
    {
        var x = TestData.Uniform(new Random(5), Shape.Of(2, 3, 4), -1, 1);
        var tape = new Tape();
        var v = tape.Constant(x);
        for (int axis = 0; axis < 3; axis++)
        {
            var sum = Ops.Sum(v, axis);
            var lse = Ops.LogSumExp(v, axis);
            var mean = Ops.Mean(v, axis);
            int[] dims = [2, 3, 4];
            int n = dims[axis];
            int k = 0;
            for (int i0 = 0; i0 < (axis == 0 ? 1 : 2); i0++)
            {
                for (int i1 = 0; i1 < (axis == 1 ? 1 : 3); i1++)
                {
                    for (int i2 = 0; i2 < (axis == 2 ? 1 : 4); i2++, k++)
                    {
                        double s = 0, e = 0;
                        for (int j = 0; j < n; j++)
                        {
                            int a = axis == 0 ? j : i0, b = axis == 1 ? j : i1, c = axis == 2 ? j : i2;
                            double val = x[(((a * 3) + b) * 4) + c];
                            s += val;
                            e += Math.Exp(val);
                        }

                        Assert.Equal(s, sum.Value[k], 1e-14);
                        Assert.Equal(s / n, mean.Value[k], 1e-14);
                        Assert.Equal(Math.Log(e), lse.Value[k], 1e-14);
                    }
                }
            }
        }
    }

    [Fact]
    public void Broadcasting_ColumnAndRow_MatchLoops()
    {
        var rng = new Random(9);
        var a = TestData.Uniform(rng, Shape.Matrix(3, 1), -1, 1);
        var b = TestData.Uniform(rng, Shape.Vector(4), -1, 1);
        var tape = new Tape();
        var y = tape.Constant(a) * tape.Constant(b);
        Assert.Equal(Shape.Matrix(3, 4), y.Shape);
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 4; j++)
            {
                Assert.Equal(a[i] * b[j], y.Value[(i * 4) + j]);
            }
        }
    }

    [Fact]
    public void Broadcasting_ShortRowsOverABatch_MatchLoopsForEveryKind()
    {
        // rows shorter than 16 take the plain-loop path; a [5] vector stretched over [2, 3, 5]
        var rng = new Random(10);
        var a = TestData.Uniform(rng, Shape.Of(2, 3, 5), 0.5, 2);
        var b = TestData.Uniform(rng, Shape.Vector(5), 0.5, 2);
        var tape = new Tape();
        var (ta, tb) = (tape.Constant(a), tape.Constant(b));
        var cases = new (Var Y, Func<double, double, double> F)[]
        {
            (ta + tb, (x, y) => x + y), (tb - ta, (x, y) => y - x), (ta * tb, (x, y) => x * y), (tb / ta, (x, y) => y / x), (Ops.Pow(ta, tb), Math.Pow),
        };
        foreach (var (y, f) in cases)
        {
            Assert.Equal(Shape.Of(2, 3, 5), y.Shape);
            for (int i = 0; i < 30; i++)
            {
                Assert.Equal(f(a[i], b[i % 5]), y.Value[i], 1e-15);
            }
        }
    }

    [Fact]
    public void GatherScatterConcatSlice_MoveTheRightElements()
    {
        var tape = new Tape();
        var x = tape.Constant([10.0, 11, 12, 13]);
        Assert.Equal([13.0, 10, 13], Ops.Gather(x, [3, 0, 3]).Value.ToArray());
        Assert.Equal([11.0, 0, 10 + 12], Ops.Scatter(tape.Constant([10.0, 11, 12]), [2, 0, 2], 3).Value.ToArray());
        Assert.Equal([11.0, 12], Ops.Slice(x, 1, 2).Value.ToArray());
        var m = tape.Constant([1.0, 2, 3, 4], Shape.Matrix(2, 2));
        Assert.Equal([1.0, 2, 10, 3, 4, 11], Ops.Concat([m, tape.Constant([10.0, 11], Shape.Matrix(2, 1))]).Value.ToArray());
        Assert.Equal([1.0, 3, 2, 4], Ops.Transpose(m).Value.ToArray());
        Assert.Equal([10.0, 21, 33, 46], Ops.CumSum(x).Value.ToArray());
        Assert.Equal([-1.0, 1, 1], Ops.Clamp(tape.Constant([-3.0, 1, 4]), -1, 1).Value.ToArray());
    }

    [Fact]
    public void MatMul_ShapesAndValues_MatchNaiveProduct()
    {
        var rng = new Random(Seeds.MatMulSizes);
        var a = TestData.Uniform(rng, Shape.Matrix(3, 2), -1, 1);
        var b = TestData.Uniform(rng, Shape.Matrix(2, 5), -1, 1);
        var x = TestData.Uniform(rng, Shape.Vector(2), -1, 1);
        var tape = new Tape();
        var c = Ops.MatMul(tape.Constant(a), tape.Constant(b));
        var ax = Ops.MatMul(tape.Constant(a), tape.Constant(x));
        var xb = Ops.MatMul(tape.Constant(x), tape.Constant(b));
        Assert.Equal(Shape.Matrix(3, 5), c.Shape);
        Assert.Equal(Shape.Vector(3), ax.Shape);
        Assert.Equal(Shape.Vector(5), xb.Shape);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal((a[i, 0] * x[0]) + (a[i, 1] * x[1]), ax.Value[i], 1e-15);
            for (int j = 0; j < 5; j++)
            {
                Assert.Equal((a[i, 0] * b[0, j]) + (a[i, 1] * b[1, j]), c.Value[(i * 5) + j], 1e-15);
            }
        }

        for (int j = 0; j < 5; j++)
        {
            Assert.Equal((x[0] * b[0, j]) + (x[1] * b[1, j]), xb.Value[j], 1e-15);
        }
    }
}
