namespace Inference.Tests.Autodiff;

/// <summary>The tape's contract: arena reuse without allocation, no-grad scopes, clear errors.</summary>
public class TapeTests
{
    private static (Tensor X, Tensor Y) LogisticData(int n, int d)
    {
        var rng = new Random(Seeds.Logistic);
        var x = TestData.Uniform(rng, Shape.Matrix(n, d), -1, 1);
        var y = new Tensor(Shape.Vector(n));
        for (int i = 0; i < n; i++)
        {
            y[i] = rng.NextDouble() < 0.5 ? 1 : 0;
        }

        return (x, y);
    }

    [Fact]
    public void Replay_SameShapes_AllocatesNothing()
    {
        var (x, y) = LogisticData(200, 7);
        var beta = new double[7];
        var grad = new double[7];
        var w = TestData.Uniform(new Random(3), Shape.Matrix(7, 16), -1, 1);
        var evaluator = new GradientEvaluator(
            b =>
            {
                var t = b.Tape;
                var eta = Ops.MatMul(t.Constant(x), b);
                var hidden = Ops.Tanh(Ops.MatMul(Ops.Reshape(b, Shape.Matrix(1, 7)), t.Constant(w)));
                return Ops.Sum((t.Constant(y) * eta) - Ops.Softplus(eta)) - Ops.Sum(Ops.Square(hidden)) + Ops.LogSumExp(Ops.Softmax(eta));
            },
            7);
        for (int i = 0; i < 5; i++)
        {
            evaluator.ValueAndGradient(beta, grad);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            beta[i % 7] += 0.01;
            evaluator.ValueAndGradient(beta, grad);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void GradientEvaluator_Logistic_MatchesAnalyticGradient()
    {
        var (x, y) = LogisticData(100, 4);
        var beta = new[] { 0.3, -0.2, 0.5, 0.1 };
        var evaluator = new GradientEvaluator(b => Ops.Sum((b.Tape.Constant(y) * Ops.MatMul(b.Tape.Constant(x), b)) - Ops.Softplus(Ops.MatMul(b.Tape.Constant(x), b))), 4);
        var grad = new double[4];
        double value = evaluator.ValueAndGradient(beta, grad);

        double expectedValue = 0;
        var expectedGrad = new double[4];
        for (int i = 0; i < 100; i++)
        {
            double eta = 0;
            for (int j = 0; j < 4; j++)
            {
                eta += x[i, j] * beta[j];
            }

            expectedValue += (y[i] * eta) - Math.Log(1 + Math.Exp(eta));
            double r = y[i] - (1 / (1 + Math.Exp(-eta)));
            for (int j = 0; j < 4; j++)
            {
                expectedGrad[j] += r * x[i, j];
            }
        }

        Assert.Equal(expectedValue, value, 1e-11);
        Assert.Equal(expectedValue, evaluator.Value(beta), 1e-11);
        for (int j = 0; j < 4; j++)
        {
            Assert.Equal(expectedGrad[j], grad[j], 1e-11);
        }

        var g2 = Differentiation.Gradient(b => Ops.Sum((b.Tape.Constant(y) * Ops.MatMul(b.Tape.Constant(x), b)) - Ops.Softplus(Ops.MatMul(b.Tape.Constant(x), b))), beta);
        Assert.Equal(grad, g2);
    }

    [Fact]
    public void NoGrad_RecordsNoGradients_AndBackwardIsRefused()
    {
        var tape = new Tape();
        var x = tape.Variable([1.0, 2.0]);
        using (tape.NoGrad())
        {
            var y = Ops.Sum(Ops.Exp(x));
            Assert.False(y.RequiresGrad);
            Assert.Throws<InvalidOperationException>(() => tape.Backward(y));
        }

        var z = Ops.Sum(Ops.Exp(x));
        Assert.True(z.RequiresGrad);
        tape.Backward(z);
        Assert.Equal(Math.Exp(2), x.Grad[1], 1e-14);
    }

    [Fact]
    public void Backward_TwiceOnSameGraph_DoesNotAccumulate()
    {
        var tape = new Tape();
        var x = tape.Variable([3.0]);
        var y = Ops.Square(x);
        tape.Backward(y);
        tape.Backward(y);
        Assert.Equal(6, x.Grad[0]);
    }

    [Fact]
    public void Constants_HaveNoGradient()
    {
        var tape = new Tape();
        var c = tape.Constant([1.0, 2.0]);
        var x = tape.Variable([1.0, 2.0]);
        tape.Backward(Ops.Dot(c, x));
        Assert.Throws<InvalidOperationException>(() => c.Grad.ToArray());
        Assert.Equal([1.0, 2.0], x.Grad.ToArray());
    }

    [Fact]
    public void StaleVar_AfterReset_IsRejected()
    {
        var tape = new Tape();
        var x = tape.Variable([1.0]);
        tape.Reset();
        var ex = Assert.Throws<ArgumentException>(() => Ops.Exp(x));
        Assert.Contains("stale", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void VarsFromDifferentTapes_AreRejected()
    {
        var a = new Tape().Variable([1.0]);
        var b = new Tape().Variable([1.0]);
        var ex = Assert.Throws<ArgumentException>(() => a + b);
        Assert.Equal("b", ex.ParamName);
    }

    [Fact]
    public void DefaultVar_IsRejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => Ops.Exp(default));
        Assert.Equal("x", ex.ParamName);
    }

    [Fact]
    public void BadShapes_NameTheArgument()
    {
        var tape = new Tape();
        var a = tape.Variable([1.0, 2, 3]);
        var b = tape.Variable([1.0, 2]);
        Assert.Equal("b", Assert.Throws<ArgumentException>(() => a + b).ParamName);
        Assert.Equal("b", Assert.Throws<ArgumentException>(() => Ops.MatMul(tape.Variable(new double[6], Shape.Matrix(2, 3)), b)).ParamName);
        Assert.Equal("b", Assert.Throws<ArgumentException>(() => Ops.Dot(a, b)).ParamName);
        Assert.Equal("shape", Assert.Throws<ArgumentException>(() => Ops.Reshape(a, Shape.Matrix(2, 2))).ParamName);
        Assert.Equal("index", Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Gather(a, [0, 3])).ParamName);
        Assert.Equal("axis", Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Sum(a, 1)).ParamName);
        Assert.Equal("start", Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Slice(a, 2, 2)).ParamName);
        Assert.Equal("output", Assert.Throws<ArgumentException>(() => tape.Backward(a)).ParamName);
        Assert.Equal("values", Assert.Throws<ArgumentException>(() => tape.Variable([1.0, 2], Shape.Matrix(2, 2))).ParamName);
        Assert.Equal("min", Assert.Throws<ArgumentException>(() => Ops.Clamp(a, 1, 0)).ParamName);
        Assert.Equal("data", Assert.Throws<ArgumentException>(() => new Tensor(new double[3], Shape.Matrix(2, 2))).ParamName);
        Assert.Equal("x", Assert.Throws<ArgumentException>(() => new GradientEvaluator(v => Ops.Sum(v), 2).Value([1.0])).ParamName);
    }

    [Fact]
    public void Backward_WithSeed_GivesVectorJacobianProduct()
    {
        var tape = new Tape();
        var x = tape.Variable([1.0, 2.0, 3.0]);
        var y = Ops.Square(x);
        tape.Backward(y, [1.0, 0.0, -1.0]);
        Assert.Equal([2.0, 0.0, -6.0], x.Grad.ToArray());
    }

    [Fact]
    public void ReferencedVariable_ReadsTensorWithoutCopy_AndReceivesGradient()
    {
        var w = new Tensor([1.0, 2.0], Shape.Vector(2));
        var tape = new Tape();
        var v = tape.Variable(w);
        tape.Backward(Ops.Sum(Ops.Square(v)));
        Assert.Equal([2.0, 4.0], v.Grad.ToArray());
    }

    [Fact]
    public void Bind_MakesVariablesByDefault_AndConstantsWhenSwitchedOff()
    {
        var owner = new object();
        var w = Tensor.FromVector([2.0, 3.0]);
        var tape = new Tape();
        var a = tape.Bind(owner, w);
        Assert.True(a.RequiresGrad);
        Assert.Equal(a, tape.Bind(owner, w));
        var x = tape.Variable([1.0, 1.0]);
        tape.Backward(Ops.Dot(a, x));
        Assert.Equal([1.0, 1.0], a.Grad.ToArray());

        var frozen = new Tape { BindsVariables = false };
        var b = frozen.Bind(owner, w);
        var y = frozen.Variable([1.0, 1.0]);
        frozen.Backward(Ops.Dot(b, y));
        Assert.False(b.RequiresGrad);
        Assert.Equal([2.0, 3.0], y.Grad.ToArray());
    }

    [Fact]
    public void Zeros_IsAZeroConstant_EvenInABufferReusedFromNonZeroValues()
    {
        var tape = new Tape();
        var x = tape.Variable([1.0, 2, 3]);
        tape.Backward(Ops.Sum(x * 5.0));
        tape.Reset();
        var z = tape.Zeros(Shape.Vector(3));   // takes the slot whose buffer held x's values
        var y = tape.Variable([4.0, 5, 6]);
        var total = Ops.Sum(z + (y * 2.0));
        tape.Backward(total);
        Assert.Equal(new double[3], z.Value.ToArray());
        Assert.False(z.RequiresGrad);
        Assert.Equal(30.0, total.Item);
        Assert.Equal([2.0, 2, 2], y.Grad.ToArray());
        Assert.Equal(Shape.Scalar, tape.Zeros(Shape.Scalar).Shape);
    }
}
