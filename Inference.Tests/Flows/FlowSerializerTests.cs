using System.Text;
using Inference.Flows;
using Inference.Flows.Bijectors;
using Inference.Randomness;

namespace Inference.Tests.Flows;

public class FlowSerializerTests
{
    private static FlowChain Trained()
    {
        var rng = new Rng(31);
        var flow = new FlowChain([FlowDistribution.RealNvp(4, 3, [8, 8], rng).Transform, new LowerTriangularAffine(4)]);
        foreach (var p in flow.Parameters())
        {
            for (int i = 0; i < p.Value.Length; i++)
            {
                p.Value[i] += 0.2 * rng.Normal();
            }
        }

        return flow;
    }

    [Fact]
    public void SaveThenLoad_GivesTheSameMap()
    {
        var flow = Trained();
        using var stream = new MemoryStream();
        FlowSerializer.Save(flow, stream);
        stream.Position = 0;
        var loaded = FlowSerializer.Load(stream);
        Assert.Equal(flow.ParameterCount, loaded.ParameterCount);
        var tape = new Tape();
        var x = new double[12];
        new Rng(32).Normal(x);
        var a = flow.Forward(tape.Constant(x, Shape.Matrix(3, 4)), out var la);
        var b = loaded.Forward(tape.Constant(x, Shape.Matrix(3, 4)), out var lb);
        Assert.Equal(a.Value.ToArray(), b.Value.ToArray());
        Assert.Equal(la.Value.ToArray(), lb.Value.ToArray());
    }

    [Theory]
    [InlineData("iaf chain")]
    [InlineData("maf")]
    [InlineData("iaf (contracting)")]
    [InlineData("nsf chain")]
    [InlineData("autoregressive spline chain")]
    [InlineData("planar")]
    [InlineData("radial")]
    [InlineData("actnorm")]
    [InlineData("lu linear")]
    [InlineData("permutation")]
    public void EveryLayerType_RoundTripsThroughAFile(string name)
    {
        var flow = FlowConformanceTests.Make(name, 5, 61);
        using var stream = new MemoryStream();
        FlowSerializer.Save(flow, stream);
        stream.Position = 0;
        var loaded = FlowSerializer.Load(stream);
        var x = new double[15];
        new Rng(62).Normal(x);
        var tape = new Tape();
        var a = flow.Inverse(tape.Constant(x, Shape.Matrix(3, 5)), out var la);
        var b = loaded.Inverse(tape.Constant(x, Shape.Matrix(3, 5)), out var lb);
        Assert.Equal(a.Value.ToArray(), b.Value.ToArray());
        Assert.Equal(la.Value.ToArray(), lb.Value.ToArray());
    }

    [Fact]
    public void ActNorm_InitializationFlag_IsSavedAndLoaded()
    {
        var fresh = new ActNorm(2);
        var trained = new ActNorm(2);
        var tape = new Tape();
        _ = trained.Forward(tape.Constant([1.0, 2, 3, 5, 4, 0], Shape.Matrix(3, 2)), out _);
        foreach (var (layer, expected) in new[] { (fresh, false), (trained, true) })
        {
            using var stream = new MemoryStream();
            FlowSerializer.Save(layer, stream);
            stream.Position = 0;
            var loaded = (ActNorm)FlowSerializer.Load(stream);
            Assert.Equal(expected, loaded.IsInitialized);
            Assert.Equal(layer.LogScale.Value.Data, loaded.LogScale.Value.Data);
        }
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("{\"format\": \"other\"}", "Not a flow file")]
    [InlineData("{\"format\": \"inference-flow\", \"version\": 99, \"flow\": {}}", "version 99")]
    [InlineData("{\"format\": \"inference-flow\", \"version\": 1, \"flow\": {\"type\": \"spline\", \"dimension\": 2}}", "unknown layer type")]
    [InlineData("{\"format\": \"inference-flow\", \"version\": 1, \"flow\": {\"type\": \"permutation\", \"dimension\": 3, \"index\": [0, 0, 2]}}", "invalid layer configuration")]
    [InlineData("{\"format\": \"inference-flow\", \"version\": 1, \"flow\": {\"type\": \"actnorm\", \"dimension\": 2, \"parameters\": {}}}", "\"initialized\" is missing")]
    [InlineData("{\"format\": \"inference-flow\", \"version\": 1, \"flow\": {\"type\": \"affine-autoregressive\", \"dimension\": 2, \"hidden\": [4], \"direction\": \"Sideways\", \"activation\": \"Relu\", \"scale\": \"Contracting\"}}", "not a known AutoregressiveDirection")]
    [InlineData("{\"format\": \"inference-flow\", \"version\": 1, \"flow\": {\"type\": \"elementwise-affine\", \"dimension\": 2, \"parameters\": {\"loc\": [0, 0]}}}", "\"log_scale\" is missing")]
    [InlineData("{\"format\": \"inference-flow\", \"version\": 1, \"flow\": {\"type\": \"elementwise-affine\", \"dimension\": 2, \"parameters\": {\"loc\": [0], \"log_scale\": [0, 0]}}}", "has 1 values")]
    public void MalformedFiles_GiveAClearError(string json, string expected)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(json));
        var ex = Assert.Throws<FormatException>(() => FlowSerializer.Load(stream));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }
}
