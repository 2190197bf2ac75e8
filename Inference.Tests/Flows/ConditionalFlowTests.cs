using Inference.Flows;
using Inference.Flows.Bijectors;
using Inference.Randomness;

namespace Inference.Tests.Flows;

/// <summary>q(x | y): pairs in batches, draws for one y, and the autoregressive structure kept with a context.</summary>
public class ConditionalFlowTests
{
    [Theory]
    [InlineData("conditional iaf", 4)]
    [InlineData("conditional spline autoregressive", 3)]
    public void ConditionalAutoregressiveLayers_KeepTriangularJacobiansInX(string name, int d)
    {
        var flow = FlowConformanceTests.Bound(FlowCases.Make(name, d, 9), FlowCases.Context(name));
        var jacobian = BijectorChecks.Jacobian(flow, FlowCases.Input(d, 4), out _);
        for (int i = 0; i < d; i++)
        {
            for (int j = i + 1; j < d; j++)
            {
                Assert.True(jacobian[i, j] == 0, $"{name}: ∂y{i}/∂x{j} = {jacobian[i, j]:E3}");
            }
        }
    }

    [Theory]
    [InlineData("conditional realnvp chain", 5)]
    [InlineData("conditional nsf chain", 3)]
    [InlineData("conditional maf chain", 4)]
    [InlineData("conditional proximal residual flow", 3)]
    public void LogProbOverPairs_EqualsLogProbOfEachPair(string name, int d)
    {
        var q = new FlowDistribution(FlowCases.Make(name, d, 5));
        int c = q.ContextDimension, n = 4;
        var x = new double[n * d];
        var y = new double[n * c];
        new Rng(6).Normal(x);
        new Rng(7).Normal(y);
        var tape = new Tape();
        var pairs = q.LogProb(tape.Constant(x, Shape.Matrix(n, d)), tape.Constant(y, Shape.Matrix(n, c)));
        for (int r = 0; r < n; r++)
        {
            double single = q.LogProb(tape.Constant(x.AsSpan(r * d, d)), tape.Constant(y.AsSpan(r * c, c))).Item;
            Assert.Equal(single, pairs.Value[r], 1e-10);
        }
    }

    [Fact]
    public void SampleForOneContext_IsReproducible_AndDependsOnTheContext()
    {
        var q = FlowDistribution.RealNvp(3, 3, [8], new Rng(1), contextDimension: 2);
        foreach (var p in q.Parameters())
        {
            for (int i = 0; i < p.Value.Length; i++)
            {
                p.Value[i] += 0.2 * ((i % 5) - 2);
            }
        }

        var a = q.Sample(new Rng(3), 50, [0.5, -1]);
        var b = q.Sample(new Rng(3), 50, [0.5, -1]);
        var other = q.Sample(new Rng(3), 50, [2.0, 1]);
        Assert.Equal(150, a.Length);
        Assert.Equal(a, b);
        Assert.NotEqual(a, other);
        Assert.Equal("context", Assert.Throws<ArgumentException>(() => q.Sample(new Rng(3), 5, [1.0])).ParamName);
        Assert.Throws<InvalidOperationException>(() => q.Sample(new Rng(3), 5));
    }

    [Fact]
    public void UnconditionalLayers_InAConditionalChain_IgnoreTheContext()
    {
        var chain = new FlowChain([new ActNorm(2), new AffineCoupling(2, [4], new Rng(2), contextDimension: 1), new ElementwiseAffine(2)]);
        Assert.Equal(1, chain.ContextDimension);
        Assert.Throws<ArgumentException>("layers", () => new FlowChain([new AffineCoupling(2, [4], new Rng(2), contextDimension: 1), new AffineCoupling(2, [4], new Rng(2), contextDimension: 2)]));
        var tape = new Tape();
        var x = tape.Constant([0.3, -0.2]);
        Assert.Equal("context", Assert.Throws<ArgumentException>(() => chain.Forward(x, tape.Constant([1.0, 2.0]), out _)).ParamName);
        Assert.Equal("context", Assert.Throws<ArgumentException>(() => chain.Forward(x, default, out _)).ParamName);
    }
}
