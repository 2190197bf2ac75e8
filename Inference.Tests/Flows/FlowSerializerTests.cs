using System.Text.Json;
using Inference.Flows;
using Inference.Flows.Bijectors;
using Inference.Flows.Modules;
using Inference.Randomness;

namespace Inference.Tests.Flows;

public class FlowSerializerTests
{
    public static TheoryData<string, int> EveryCase()
    {
        // each case once, at its second-smallest dimension (so 1-D-only quirks do not hide a layout mistake)
        var data = new TheoryData<string, int>();
        foreach (var c in FlowCases.All.Values.OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            data.Add(c.Name, c.Dimensions[Math.Min(1, c.Dimensions.Length - 1)]);
        }

        return data;
    }

    private static FlowBijector RoundTrip(FlowBijector flow)
    {
        using var stream = new MemoryStream();
        FlowSerializer.Save(flow, stream);
        stream.Position = 0;
        return FlowSerializer.Load(stream);
    }

    [Theory]
    [MemberData(nameof(EveryCase))]
    public void EveryCase_RoundTripsThroughAFile_BitExact(string name, int d)
    {
        var flow = FlowCases.Make(name, d, 61);
        var loaded = RoundTrip(flow);
        Assert.Equal(flow.GetType(), loaded.GetType());
        Assert.Equal(flow.ContextDimension, loaded.ContextDimension);
        Assert.Equal(flow.NamedParameters().Select(p => p.Name), loaded.NamedParameters().Select(p => p.Name));
        Assert.Equal(flow.Parameters().SelectMany(p => p.Value.Data), loaded.Parameters().SelectMany(p => p.Value.Data));
        Assert.Equal(flow.NamedBuffers().SelectMany(b => b.Buffer.Data), loaded.NamedBuffers().SelectMany(b => b.Buffer.Data));
        var x = new double[3 * d];
        new Rng(62).Normal(x);
        var context = FlowCases.Context(name);
        var (a, b) = (FlowConformanceTests.Bound(flow, context), FlowConformanceTests.Bound(loaded, context));
        var tape = new Tape();
        var ya = a.Forward(tape.Constant(x, Shape.Matrix(3, d)), out var la);
        var yb = b.Forward(tape.Constant(x, Shape.Matrix(3, d)), out var lb);
        Assert.Equal(ya.Value.ToArray(), yb.Value.ToArray());
        Assert.Equal(la.Value.ToArray(), lb.Value.ToArray());
        var xa = a.Inverse(tape.Constant(x, Shape.Matrix(3, d)), out la);
        var xb = b.Inverse(tape.Constant(x, Shape.Matrix(3, d)), out lb);
        Assert.Equal(xa.Value.ToArray(), xb.Value.ToArray());
        Assert.Equal(la.Value.ToArray(), lb.Value.ToArray());
    }

    [Fact]
    public void EveryLibraryLayer_HasASavedForm_AndEveryNameIsTaken_Once()
    {
        foreach (var type in FlowCases.LibraryLayerTypes())
        {
            Assert.True(
                type.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(Inference.Flows.Serialization.ISerializableFlowLayer<>)),
                $"{type.Name} does not implement ISerializableFlowLayer<{type.Name}>, so it cannot be saved");
        }

        Assert.Equal(FlowCases.LibraryLayerTypes().Count(), FlowSerializer.LayerTypes.Count);
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
            var loaded = (ActNorm)RoundTrip(layer);
            Assert.Equal(expected, loaded.IsInitialized);
            Assert.Equal(layer.LogScale.Value.Data, loaded.LogScale.Value.Data);
        }
    }

    [Theory]
    [InlineData("realnvp")]
    [InlineData("iaf")]
    [InlineData("nsf")]
    public void VersionOneFiles_LoadWithTheirWeightsTransposed_AndGiveTheOldOutputsExactly(string name)
    {
        // written by the library before dense weights followed TorchSharp's [out, in] (tools/make-flow-v1-fixture)
        var flow = FlowSerializer.Load(ReferenceData.Path("fixtures", "flows", $"{name}-v1.json"));
        using var expected = ReferenceData.Json("fixtures", "flows", $"{name}-v1-expected.json");
        double[] Read(string field) => expected.RootElement.GetProperty(field).EnumerateArray().Select(v => v.GetDouble()).ToArray();
        var tape = new Tape();
        var y = flow.Forward(tape.Constant(Read("input"), Shape.Matrix(4, 5)), out var logDet);
        var forward = Read("forward");
        var logDets = Read("log_det");
        for (int i = 0; i < forward.Length; i++)
        {
            Assert.Equal(forward[i], y.Value[i], 1e-12);
        }

        for (int i = 0; i < logDets.Length; i++)
        {
            Assert.Equal(logDets[i], logDet.Value[i], 1e-12);
        }

        // and a version-1 file saved again is version 2, with every dense weight [out, in]
        using var stream = new MemoryStream();
        FlowSerializer.Save(flow, stream);
        using var saved = JsonDocument.Parse(stream.ToArray());
        Assert.Equal(FlowSerializer.Version, saved.RootElement.GetProperty("version").GetInt32());
    }

    [Fact]
    public void Linear_IsLaidOutAsTorchSharp_OutByIn()
    {
        // y = x Wᵀ + b with W [out, in]: a weight copied from PyTorch row by row gives PyTorch's output
        var layer = new Linear(3, 2, new Rng(1));
        Assert.Equal(Shape.Matrix(2, 3), layer.Weight.Value.Shape);
        double[] w = [1, 2, 3, 4, 5, 6], b = [0.5, -0.5];
        w.CopyTo(layer.Weight.Value.Data, 0);
        b.CopyTo(layer.Bias.Value.Data, 0);
        var tape = new Tape();
        var y = layer.Forward(tape.Constant([1.0, 0, -1, 2, 1, 0], Shape.Matrix(2, 3)));
        Assert.Equal([-1.5, -2.5, 4.5, 12.5], y.Value.ToArray());
        var single = layer.Forward(tape.Constant([1.0, 0, -1]));
        Assert.Equal([-1.5, -2.5], single.Value.ToArray());
    }

    [Fact]
    public void SaveToAPath_IsAtomic_AndANonFiniteParameterLeavesTheOldFileAndNoOther()
    {
        string folder = Path.Combine(Path.GetTempPath(), "inference-flow-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            string path = Path.Combine(folder, "flow.json");
            var flow = FlowDistribution.RealNvp(3, 2, [4], new Rng(5)).Transform;
            FlowSerializer.Save(flow, path);
            byte[] before = File.ReadAllBytes(path);
            var loaded = FlowSerializer.Load(path);
            Assert.Equal(flow.Parameters().SelectMany(p => p.Value.Data), loaded.Parameters().SelectMany(p => p.Value.Data));

            var broken = FlowDistribution.RealNvp(3, 2, [4], new Rng(6)).Transform;
            var (badName, bad) = broken.NamedParameters().Skip(3).First();
            bad.Value[1] = double.NaN;
            var ex = Assert.Throws<ArgumentException>("flow", () => FlowSerializer.Save(broken, path));
            Assert.Contains($"{badName}[1]", ex.Message, StringComparison.Ordinal);
            Assert.Equal(before, File.ReadAllBytes(path));
            Assert.Equal(["flow.json"], Directory.GetFiles(folder).Select(Path.GetFileName));

            using var stream = new MemoryStream();
            Assert.Throws<ArgumentException>("flow", () => FlowSerializer.Save(broken, stream));
            Assert.Equal(0, stream.Length);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
