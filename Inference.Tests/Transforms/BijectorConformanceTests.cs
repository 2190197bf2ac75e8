using Inference.Transforms;
using Inference.Transforms.Bijectors;

namespace Inference.Tests.Transforms;

/// <summary>Every constraint bijector, for event sizes 1, 2, 5 and 17: round trip, exact log-Jacobian, batches, gradients.</summary>
public class BijectorConformanceTests
{
    /// <param name="Name">Label.</param>
    /// <param name="Bijector">The transform.</param>
    /// <param name="FreeOutputs">The output entries the log-Jacobian refers to (default: the first InputDimension).</param>
    /// <param name="Support">The constraint whose support the outputs must lie in.</param>
    public sealed record BijectorCase(string Name, IBijector Bijector, Constraint Support, int[]? FreeOutputs = null)
    {
        public override string ToString() => $"{Name} ({Bijector.InputDimension}→{Bijector.OutputDimension})";
    }

    public static TheoryData<BijectorCase> Cases()
    {
        var data = new TheoryData<BijectorCase>();
        foreach (int d in new[] { 1, 2, 5, 17 })
        {
            data.Add(new("identity", new IdentityBijector(d), Constraint.Real));
            data.Add(new("lower bound", new LowerBoundBijector(d, -1.5), Constraint.GreaterThan(-1.5)));
            data.Add(new("upper bound", new UpperBoundBijector(d, 2.0), Constraint.LessThan(2.0)));
            data.Add(new("interval", new IntervalBijector(d, -2.0, 3.0), Constraint.Interval(-2.0, 3.0)));
            data.Add(new("ordered", new OrderedBijector(d), Constraint.Ordered));
            data.Add(new("positive ordered", new OrderedBijector(d, positive: true), Constraint.PositiveOrdered));
            data.Add(new("simplex", new SimplexBijector(d + 1), Constraint.Simplex));
        }

        foreach (int k in new[] { 2, 3, 4 })
        {
            var strict = Positions(k, strictOnly: true);
            var lower = Positions(k, strictOnly: false);
            data.Add(new("cholesky correlation", new CholeskyCorrelationBijector(k), Constraint.CholeskyCorrelation, strict));
            data.Add(new("correlation matrix", GramBijector.Correlation(k), Constraint.CorrelationMatrix, strict));
            data.Add(new("cholesky covariance", new CholeskyCovarianceBijector(k), Constraint.CholeskyCovariance, lower));
            data.Add(new("covariance matrix", GramBijector.Covariance(k), Constraint.CovarianceMatrix, lower));
        }

        data.Add(new("cholesky covariance", new CholeskyCovarianceBijector(1), Constraint.CholeskyCovariance, [0]));

        return data;
    }

    private static int[] Positions(int k, bool strictOnly)
    {
        var list = new List<int>();
        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j < (strictOnly ? i : i + 1); j++)
            {
                list.Add((i * k) + j);
            }
        }

        return [.. list];
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
        for (int rep = 0; rep < 20; rep++)
        {
            BijectorChecks.AssertRoundTrip(c.Bijector, RandomInput(c.Bijector, rep), c.ToString());
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void LogAbsDetJacobian_EqualsBruteForceDeterminant(BijectorCase c)
    {
        for (int rep = 0; rep < 5; rep++)
        {
            BijectorChecks.AssertLogDetMatchesBruteForce(c.Bijector, RandomInput(c.Bijector, 100 + rep), c.ToString(), c.FreeOutputs);
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
        var constraint = c.Support;
        Assert.Equal(c.Bijector.InputDimension, constraint.UnconstrainedSize(c.Bijector.OutputDimension));
        var tape = new Tape();
        for (int rep = 0; rep < 10; rep++)
        {
            var y = c.Bijector.Forward(tape.Constant(RandomInput(c.Bijector, 400 + rep)), out _);
            Assert.True(constraint.Contains(y.Value), $"{c}: {string.Join(", ", y.Value.ToArray())}");
        }
    }

    [Fact]
    public void UnitVector_ForwardHasUnitNorm_InverseIsARightInverse_GradientsMatch()
    {
        var b = new UnitVectorBijector(4);
        var tape = new Tape();
        var y = b.Forward(tape.Constant([0.3, -1.2, 2.0, 0.5]), out var term);
        Assert.True(Constraint.UnitVector.Contains(y.Value));
        Assert.Equal(-0.5 * ((0.3 * 0.3) + (1.2 * 1.2) + 4 + 0.25), term.Item, 1e-14);
        var x = b.Inverse(y, out var inverseTerm);
        var y2 = b.Forward(x, out _);
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(y.Value[i], y2.Value[i], 1e-15);
        }

        Assert.Equal(0.5, inverseTerm.Item, 1e-14);
        var grad = GradCheck.Check(v => Ops.Sum(b.Forward(v[0], out var t) * v[0]) + t, [Tensor.FromVector([0.3, -1.2, 2.0, 0.5])]);
        Assert.True(grad.MaxRelativeError < 1e-6, grad.ToString());
    }

    [Fact]
    public void CholeskyCorrelation_ZeroMapsToIdentity()
    {
        var tape = new Tape();
        var l = new CholeskyCorrelationBijector(3).Forward(tape.Constant(new double[3]), out var logJ);
        Assert.Equal([1.0, 0, 0, 0, 1, 0, 0, 0, 1], l.Value.ToArray());
        Assert.Equal(0, logJ.Item, 1e-15);
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
