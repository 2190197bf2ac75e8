using System.Text;
using System.Text.Json.Nodes;
using Inference.Flows;
using Inference.Flows.Bijectors;
using Inference.Randomness;

namespace Inference.Tests.BadInput;

/// <summary>
/// Malformed flow files: truncated, random bytes, huge sizes, non-finite and wrong-typed values. Each must raise a
/// <see cref="FormatException"/> that names the field by its path, and none may allocate what a declared size asks for.
/// </summary>
public class FlowFileBadInputTests
{
    // one of each record kind the mutations below need: a chain of an affine coupling, an ActNorm and an LU layer
    private static string ValidFile()
    {
        var rng = new Rng(3);
        var flow = new FlowChain([new AffineCoupling(4, [3], rng), new ActNorm(4), LuLinear.WithRandomPermutation(4, rng)]);
        using var stream = new MemoryStream();
        FlowSerializer.Save(flow, stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static JsonNode Valid() => JsonNode.Parse(ValidFile())!;

    private static FormatException LoadFails(string text)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text));
        return Assert.Throws<FormatException>(() => FlowSerializer.Load(stream));
    }

    private static FormatException LoadFails(JsonNode file) => LoadFails(file.ToJsonString());

    private static void AssertNames(FormatException ex, params string[] parts)
    {
        Assert.DoesNotContain("One of the identified items was in an invalid format", ex.Message, StringComparison.Ordinal);
        foreach (var part in parts)
        {
            Assert.Contains(part, ex.Message, StringComparison.Ordinal);
        }
    }

    private static JsonNode Layer(JsonNode file, int i) => file["flow"]!["layers"]![i]!;

    public static TheoryData<int> TruncationPoints() => new() { 1, 10, 57, 200, 501, 1000, 1500 };

    [Theory]
    [MemberData(nameof(TruncationPoints))]
    public void TruncatedFile_IsInvalidJson_WithItsPosition(int keep)
    {
        string file = ValidFile();
        Assert.True(keep < file.Length);
        var ex = LoadFails(file[..keep]);
        AssertNames(ex, "not valid JSON", "line");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void RandomBytes_AreNotAFlowFile(int seed)
    {
        var bytes = new byte[300];
        new Rng(seed).NextBytes(bytes);
        using var stream = new MemoryStream(bytes);
        var ex = Assert.Throws<FormatException>(() => FlowSerializer.Load(stream));
        AssertNames(ex, "JSON");
    }

    [Theory]
    [InlineData("2000000000")]
    [InlineData("2147483647")]
    public void HugeDimension_IsRefusedBeforeAllocating(string dimension)
    {
        string text = $"{{\"format\": \"inference-flow\", \"version\": 2, \"flow\": {{\"type\": \"lower-triangular-affine\", \"dimension\": {dimension}, \"parameters\": {{\"loc\": [0, 0], \"scale_tril\": [0, 0, 0, 0]}}}}}}";
        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = LoadFails(text);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "the declared size was allocated");
        AssertNames(ex, "flow:", $"dimension = {dimension}", "parameters");
    }

    [Fact]
    public void DimensionBeyondInt_NamesTheField()
    {
        var file = Valid();
        Layer(file, 1)["dimension"] = 1e12;
        AssertNames(LoadFails(file), "flow.layers[1].dimension", "integer");
    }

    [Fact]
    public void HugeHiddenWidths_AreRefusedBeforeAllocating()
    {
        var file = Valid();
        Layer(file, 0)["hidden"] = new JsonArray(30000, 30000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = LoadFails(file);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "the declared widths were allocated");
        AssertNames(ex, "flow.layers[0]", "hidden = [30000, 30000]", "parameters");
    }

    [Fact]
    public void HugeBinCount_NamesTheField()
    {
        string text = "{\"format\": \"inference-flow\", \"version\": 2, \"flow\": {\"type\": \"spline-coupling\", \"dimension\": 2, \"hidden\": [2], \"bins\": 10000000000, \"tail_bound\": 3, \"swap\": false, \"activation\": \"Relu\", \"parameters\": {}}}";
        AssertNames(LoadFails(text), "flow.bins", "integer");
    }

    [Fact]
    public void NaNAsAString_NamesTheParameterAndIndex()
    {
        var file = Valid();
        Layer(file, 1)["parameters"]!["loc"]![2] = "NaN";
        AssertNames(LoadFails(file), "flow.layers[1].parameters.loc[2]", "finite number");
    }

    [Fact]
    public void NumberBeyondDouble_NamesTheParameterAndIndex()
    {
        string text = ValidFile().Replace("\"log_scale\": [", "\"log_scale\": [1e400, ", StringComparison.Ordinal);
        // one value too many as well: the count check runs first and names the record
        AssertNames(LoadFails(text), "flow.layers[1]", "parameters");
        var file = Valid();
        string one = file.ToJsonString();
        int at = one.IndexOf("\"log_scale\":[", StringComparison.Ordinal) + "\"log_scale\":[".Length;
        int comma = one.IndexOf(',', at);
        AssertNames(LoadFails(one[..at] + "1e400" + one[comma..]), "flow.layers[1].parameters.log_scale[0]", "finite number");
    }

    [Fact]
    public void WrongTypedDimension_NamesTheField()
    {
        var file = Valid();
        Layer(file, 1)["dimension"] = "4";
        AssertNames(LoadFails(file), "flow.layers[1].dimension", "must be an integer", "String");
    }

    [Fact]
    public void WrongTypedHidden_NamesTheField()
    {
        var file = Valid();
        Layer(file, 0)["hidden"] = 3;
        AssertNames(LoadFails(file), "flow.layers[0].hidden", "array of integers");
    }

    [Fact]
    public void NegativeWidth_NamesTheEntry()
    {
        var file = Valid();
        Layer(file, 0)["hidden"] = new JsonArray(3, -2);
        AssertNames(LoadFails(file), "flow.layers[0].hidden[1]", "-2");
    }

    [Fact]
    public void ParametersNotAnObject_NamesTheField()
    {
        var file = Valid();
        Layer(file, 1)["parameters"] = new JsonArray(1, 2);
        AssertNames(LoadFails(file), "flow.layers[1].parameters", "object");
    }

    [Fact]
    public void WrongTypedParameterValue_NamesTheParameterAndIndex()
    {
        var file = Valid();
        Layer(file, 1)["parameters"]!["log_scale"]![1] = true;
        AssertNames(LoadFails(file), "flow.layers[1].parameters.log_scale[1]", "True");
    }

    [Fact]
    public void MissingParameter_NamesIt()
    {
        var file = Valid();
        var parameters = Layer(file, 1)["parameters"]!.AsObject();
        var values = parameters["loc"]!.DeepClone();
        parameters.Remove("loc");
        parameters["location"] = values;
        AssertNames(LoadFails(file), "flow.layers[1].parameters.loc", "missing");
    }

    [Fact]
    public void ParameterCountMismatch_NamesTheRecordAndTheCounts()
    {
        var file = Valid();
        Layer(file, 1)["parameters"]!["loc"]!.AsArray().Add(0.5);
        AssertNames(LoadFails(file), "flow.layers[1]", "dimension = 4", "implies 8", "stores 9");
    }

    [Fact]
    public void VersionBeyondInt_NamesTheField()
    {
        var file = Valid();
        file["version"] = 1e20;
        AssertNames(LoadFails(file), "file.version");
    }

    [Fact]
    public void FutureVersion_NamesTheField()
    {
        var file = Valid();
        file["version"] = 99;
        AssertNames(LoadFails(file), "file.version", "99");
    }

    [Fact]
    public void UnknownNestedType_NamesItsPath()
    {
        var file = Valid();
        Layer(file, 2)["type"] = "spline";
        AssertNames(LoadFails(file), "flow.layers[2].type", "unknown layer type \"spline\"", "affine-coupling");
    }

    [Fact]
    public void EmptyChain_NamesTheField()
    {
        var file = Valid();
        file["flow"]!["layers"] = new JsonArray();
        AssertNames(LoadFails(file), "flow.layers", "at least one layer");
    }

    [Fact]
    public void ChainEntryNotARecord_NamesIt()
    {
        var file = Valid();
        file["flow"]!["layers"]![1] = 7;
        AssertNames(LoadFails(file), "flow.layers[1]", "layer record");
    }

    [Fact]
    public void NumericEnumName_NamesTheField()
    {
        var file = Valid();
        Layer(file, 0)["activation"] = "1";
        AssertNames(LoadFails(file), "flow.layers[0].activation", "Activation");
    }

    [Fact]
    public void MissingBoolean_NamesTheField()
    {
        var file = Valid();
        Layer(file, 1).AsObject().Remove("initialized");
        AssertNames(LoadFails(file), "flow.layers[1].initialized", "boolean");
    }

    [Fact]
    public void RepeatedPermutationIndex_NamesTheEntry()
    {
        var file = Valid();
        Layer(file, 2)["permutation"] = new JsonArray(0, 1, 1, 3);
        AssertNames(LoadFails(file), "flow.layers[2].permutation[2]", "repeats index 1");
    }

    [Fact]
    public void LayersOfDifferentDimensions_NameTheRecord()
    {
        var file = Valid();
        var norm = Layer(file, 1);
        norm["dimension"] = 2;
        norm["parameters"]!["loc"] = new JsonArray(0.0, 0.0);
        norm["parameters"]!["log_scale"] = new JsonArray(0.0, 0.0);
        AssertNames(LoadFails(file), "flow:", "invalid layer configuration", "one dimension");
    }

    [Fact]
    public void MissingFormat_SaysItIsNotAFlowFile()
    {
        var file = Valid();
        file.AsObject().Remove("format");
        AssertNames(LoadFails(file), "format", "inference-flow");
    }
}
