using Inference.Transforms;
using Inference.Transforms.Bijectors;
using MathNet.Numerics.LinearAlgebra;

namespace Inference.Tests.Transforms;

/// <summary>Every constraint bijector, for event sizes 1, 2, 5 and 17: round trip, exact log-Jacobian, batches, gradients.</summary>
public class BijectorConformanceTests
{
    public sealed record BijectorCase(string Name, IBijector Bijector)
    {
        public override string ToString() => $"{Name} ({Bijector.InputDimension}→{Bijector.OutputDimension})";
    }

    public static TheoryData<BijectorCase> Cases()
    {
        var data = new TheoryData<BijectorCase>();
        foreach (int d in new[] { 1, 2, 5, 17 })
        {
            data.Add(new("identity", new IdentityBijector(d)));
            data.Add(new("lower bound", new LowerBoundBijector(d, -1.5)));
            data.Add(new("upper bound", new UpperBoundBijector(d, 2.0)));
            data.Add(new("interval", new IntervalBijector(d, -2.0, 3.0)));
            data.Add(new("ordered", new OrderedBijector(d)));
            data.Add(new("positive ordered", new OrderedBijector(d, positive: true)));
            data.Add(new("simplex", new SimplexBijector(d + 1)));
        }

        return data;
    }

    private static double[] RandomInput(IBijector b, int seed)
    {
        var rng = new Random(seed);
        var x = new double[b.InputDimension];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (4 * rng.NextDouble()) - 2;
        }

        return x;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RoundTrip_IsExactTo1e10(BijectorCase c)
    {
        var tape = new Tape();
        for (int rep = 0; rep < 20; rep++)
        {
            var x0 = RandomInput(c.Bijector, rep);
            var y = c.Bijector.Forward(tape.Constant(x0), out var ldForward);
            var x1 = c.Bijector.Inverse(y, out var ldInverse);
            for (int i = 0; i < x0.Length; i++)
            {
                Assert.True(Math.Abs(x1.Value[i] - x0[i]) <= 1e-10 * Math.Max(1, Math.Abs(x0[i])), $"{c}: x[{i}] {x0[i]:R} → {x1.Value[i]:R}");
            }

            Assert.Equal(-ldForward.Item, ldInverse.Item, 1e-10 * Math.Max(1, Math.Abs(ldForward.Item)));
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void LogAbsDetJacobian_EqualsBruteForceDeterminant(BijectorCase c)
    {
        int n = c.Bijector.InputDimension;
        for (int rep = 0; rep < 5; rep++)
        {
            var x0 = RandomInput(c.Bijector, 100 + rep);
            var tape = new Tape();
            var x = tape.Variable(x0);
            var y = c.Bijector.Forward(x, out var logDet);
            // Jacobian of the first n outputs (the free coordinates) by n backward passes.
            var jac = Matrix<double>.Build.Dense(n, n);
            var seed = new double[c.Bijector.OutputDimension];
            for (int i = 0; i < n; i++)
            {
                Array.Clear(seed);
                seed[i] = 1;
                tape.Backward(y, seed);
                for (int j = 0; j < n; j++)
                {
                    jac[i, j] = x.Grad[j];
                }
            }

            double bruteForce = Math.Log(Math.Abs(jac.Determinant()));
            Assert.True(Math.Abs(bruteForce - logDet.Item) <= 1e-8 * Math.Max(1, Math.Abs(bruteForce)), $"{c}: log|det| {logDet.Item:R} vs brute force {bruteForce:R}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Batch_MatchesRowByRow(BijectorCase c)
    {
        const int Batch = 3;
        int n = c.Bijector.InputDimension, m = c.Bijector.OutputDimension;
        var rows = Enumerable.Range(0, Batch).Select(r => RandomInput(c.Bijector, 200 + r)).ToArray();
        var tape = new Tape();
        var y = c.Bijector.Forward(tape.Constant(rows.SelectMany(r => r).ToArray(), Shape.Matrix(Batch, n)), out var logDet);
        Assert.Equal(Shape.Matrix(Batch, m), y.Shape);
        Assert.Equal(Shape.Vector(Batch), logDet.Shape);
        for (int r = 0; r < Batch; r++)
        {
            var yr = c.Bijector.Forward(tape.Constant(rows[r]), out var ldr);
            Assert.Equal(ldr.Item, logDet.Value[r], 1e-12);
            for (int k = 0; k < m; k++)
            {
                Assert.Equal(yr.Value[k], y.Value[(r * m) + k], 1e-12);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardAndLogDet_GradientsMatchFiniteDifferences(BijectorCase c)
    {
        var x = new Tensor(RandomInput(c.Bijector, 300), Shape.Vector(c.Bijector.InputDimension));
        var result = GradCheck.Check(
            v =>
            {
                var y = c.Bijector.Forward(v[0], out var ld);
                return Ops.Sum(Ops.Square(y)) + ld;
            },
            [x]);
        Assert.True(result.MaxRelativeError < 1e-6, $"{c}: {result}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_LandsInTheSupport(BijectorCase c)
    {
        var constraint = c.Name switch
        {
            "identity" => Constraint.Real,
            "lower bound" => Constraint.GreaterThan(-1.5),
            "upper bound" => Constraint.LessThan(2.0),
            "interval" => Constraint.Interval(-2.0, 3.0),
            "ordered" => Constraint.Ordered,
            "positive ordered" => Constraint.PositiveOrdered,
            _ => Constraint.Simplex,
        };
        Assert.Equal(c.Bijector.InputDimension, constraint.UnconstrainedSize(c.Bijector.OutputDimension));
        var tape = new Tape();
        for (int rep = 0; rep < 10; rep++)
        {
            var y = c.Bijector.Forward(tape.Constant(RandomInput(c.Bijector, 400 + rep)), out _);
            Assert.True(constraint.Contains(y.Value), $"{c}: {string.Join(", ", y.Value.ToArray())}");
        }
    }

    [Fact]
    public void Simplex_ZeroMapsToUniform()
    {
        var tape = new Tape();
        var y = new SimplexBijector(5).Forward(tape.Constant(new double[4]), out _);
        foreach (double v in y.Value)
        {
            Assert.Equal(0.2, v, 1e-15);
        }
    }

    [Fact]
    public void BadArguments_NameTheParameter()
    {
        Assert.Equal("lower", Assert.Throws<ArgumentException>(() => new IntervalBijector(2, 1, 1)).ParamName);
        Assert.Equal("lower", Assert.Throws<ArgumentOutOfRangeException>(() => new LowerBoundBijector(2, double.NaN)).ParamName);
        Assert.Equal("categories", Assert.Throws<ArgumentOutOfRangeException>(() => new SimplexBijector(1)).ParamName);
        var tape = new Tape();
        Assert.Equal("x", Assert.Throws<ArgumentException>(() => new IdentityBijector(3).Forward(tape.Constant([1.0, 2]), out _)).ParamName);
    }
}
