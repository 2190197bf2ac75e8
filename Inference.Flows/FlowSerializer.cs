using System.Globalization;
using System.Text.Json;
using Inference.Flows.Bijectors;
using Inference.Flows.Modules;
using Inference.Randomness;

namespace Inference.Flows;

/// <summary>
/// Saves and loads flows as versioned JSON: each layer's type, its configuration and its parameters by name.
/// A file that does not match (unknown type or version, missing or misshapen parameter) raises a
/// <see cref="FormatException"/> that says what is wrong.
/// </summary>
public static class FlowSerializer
{
    /// <summary>The format name written in every file.</summary>
    public const string Format = "inference-flow";

    /// <summary>The current version.</summary>
    public const int Version = 1;

    /// <summary>Writes <paramref name="flow"/> to <paramref name="stream"/>.</summary>
    public static void Save(FlowBijector flow, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(flow);
        ArgumentNullException.ThrowIfNull(stream);
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("format", Format);
        w.WriteNumber("version", Version);
        w.WritePropertyName("flow");
        WriteLayer(w, flow);
        w.WriteEndObject();
    }

    /// <summary>Reads a flow written by <see cref="Save"/>.</summary>
    /// <exception cref="FormatException">The content is not a valid flow file.</exception>
    public static FlowBijector Load(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(stream);
        }
        catch (JsonException ex)
        {
            throw new FormatException("The flow file is not valid JSON: " + ex.Message, ex);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("format", out var format) || format.GetString() != Format)
            {
                throw new FormatException($"Not a flow file: the \"format\" field must be \"{Format}\".");
            }

            int version = Get(root, "version", JsonValueKind.Number, "file").GetInt32();
            if (version != Version)
            {
                throw new FormatException($"Flow file version {version} is not supported (this library reads version {Version}).");
            }

            return ReadLayer(Get(root, "flow", JsonValueKind.Object, "file"), "flow");
        }
    }

    private static void WriteLayer(Utf8JsonWriter w, FlowBijector layer)
    {
        w.WriteStartObject();
        switch (layer)
        {
            case FlowChain chain:
                w.WriteString("type", "chain");
                w.WriteStartArray("layers");
                foreach (var l in chain.Layers)
                {
                    WriteLayer(w, l);
                }

                w.WriteEndArray();
                w.WriteEndObject();
                return;
            case ElementwiseAffine:
                w.WriteString("type", "elementwise-affine");
                break;
            case LowerTriangularAffine:
                w.WriteString("type", "lower-triangular-affine");
                break;
            case Permutation permutation:
                w.WriteString("type", "permutation");
                WriteInts(w, "index", permutation.Index);
                break;
            case AffineCoupling coupling:
                w.WriteString("type", "affine-coupling");
                WriteInts(w, "hidden", coupling.Hidden);
                w.WriteBoolean("swap", coupling.Swap);
                w.WriteString("activation", coupling.Activation.ToString());
                break;
            case SplineCoupling spline:
                w.WriteString("type", "spline-coupling");
                WriteInts(w, "hidden", spline.Hidden);
                w.WriteNumber("bins", spline.Bins);
                w.WriteNumber("tail_bound", spline.TailBound);
                w.WriteBoolean("swap", spline.Swap);
                w.WriteString("activation", spline.Activation.ToString());
                break;
            case MaskedAffineAutoregressive maf:
                w.WriteString("type", "affine-autoregressive");
                WriteInts(w, "hidden", maf.Hidden);
                w.WriteString("direction", maf.Direction.ToString());
                w.WriteString("activation", maf.Activation.ToString());
                w.WriteString("scale", maf.Scale.ToString());
                break;
            case SplineAutoregressive ars:
                w.WriteString("type", "spline-autoregressive");
                WriteInts(w, "hidden", ars.Hidden);
                w.WriteNumber("bins", ars.Bins);
                w.WriteNumber("tail_bound", ars.TailBound);
                w.WriteString("direction", ars.Direction.ToString());
                break;
            case Planar:
                w.WriteString("type", "planar");
                break;
            case Radial:
                w.WriteString("type", "radial");
                break;
            case ActNorm actNorm:
                w.WriteString("type", "actnorm");
                w.WriteBoolean("initialized", actNorm.IsInitialized);
                break;
            case LuLinear lu:
                w.WriteString("type", "lu-linear");
                WriteInts(w, "permutation", lu.PermutationIndex);
                break;
            default:
                throw new NotSupportedException($"Saving a {layer.GetType().Name} is not supported.");
        }

        w.WriteNumber("dimension", layer.Dimension);
        w.WriteStartObject("parameters");
        foreach (var (name, p) in layer.NamedParameters())
        {
            w.WriteStartArray(name);
            foreach (double v in p.Value.Data)
            {
                w.WriteNumberValue(v);
            }

            w.WriteEndArray();
        }

        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static FlowBijector ReadLayer(JsonElement e, string where)
    {
        string type = Get(e, "type", JsonValueKind.String, where).GetString()!;
        if (type == "chain")
        {
            var layers = Get(e, "layers", JsonValueKind.Array, where).EnumerateArray()
                .Select((l, i) => ReadLayer(l, string.Create(CultureInfo.InvariantCulture, $"{where}.layers[{i}]"))).ToArray();
            if (layers.Length == 0)
            {
                throw new FormatException($"{where}: a chain needs at least one layer.");
            }

            return new FlowChain(layers);
        }

        int d = Get(e, "dimension", JsonValueKind.Number, where).GetInt32();
        if (d < 1)
        {
            throw new FormatException($"{where}: dimension must be positive.");
        }

        var rng = new Rng(0); // initial values are overwritten by the saved parameters
        FlowBijector layer = type switch
        {
            "elementwise-affine" => new ElementwiseAffine(d),
            "lower-triangular-affine" => new LowerTriangularAffine(d),
            "permutation" => Checked(() => new Permutation(Ints(e, "index", where)), where),
            "affine-coupling" => Checked(() => new AffineCoupling(d, Ints(e, "hidden", where), rng, Bool(e, "swap", where), Parse<Activation>(e, "activation", where)), where),
            "spline-coupling" => Checked(() => new SplineCoupling(d, Ints(e, "hidden", where), rng, Int(e, "bins", where), Number(e, "tail_bound", where), Bool(e, "swap", where), Parse<Activation>(e, "activation", where)), where),
            "affine-autoregressive" => Checked(() => new MaskedAffineAutoregressive(d, Ints(e, "hidden", where), rng, Parse<AutoregressiveDirection>(e, "direction", where), Parse<Activation>(e, "activation", where), Parse<AffineScale>(e, "scale", where)), where),
            "spline-autoregressive" => Checked(() => new SplineAutoregressive(d, Ints(e, "hidden", where), rng, Int(e, "bins", where), Number(e, "tail_bound", where), Parse<AutoregressiveDirection>(e, "direction", where)), where),
            "planar" => new Planar(d, rng),
            "radial" => new Radial(d, rng),
            "actnorm" => new ActNorm(d),
            "lu-linear" => Checked(() => new LuLinear(d, Ints(e, "permutation", where)), where),
            _ => throw new FormatException($"{where}: unknown layer type \"{type}\"."),
        };

        if (layer.Dimension != d)
        {
            throw new FormatException($"{where}: the layer has dimension {layer.Dimension}, the file says {d}.");
        }

        if (layer is ActNorm norm && Bool(e, "initialized", where))
        {
            norm.MarkInitialized();
        }

        var saved = Get(e, "parameters", JsonValueKind.Object, where);
        foreach (var (name, p) in layer.NamedParameters())
        {
            if (!saved.TryGetProperty(name, out var values) || values.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException($"{where}: parameter \"{name}\" is missing.");
            }

            if (values.GetArrayLength() != p.Value.Length)
            {
                throw new FormatException($"{where}: parameter \"{name}\" has {values.GetArrayLength()} values; {p.Value.Length} expected.");
            }

            int i = 0;
            foreach (var v in values.EnumerateArray())
            {
                p.Value[i++] = v.GetDouble();
            }
        }

        return layer;
    }

    private static void WriteInts(Utf8JsonWriter w, string name, IReadOnlyList<int> values)
    {
        w.WriteStartArray(name);
        foreach (int v in values)
        {
            w.WriteNumberValue(v);
        }

        w.WriteEndArray();
    }

    private static int[] Ints(JsonElement e, string name, string where) =>
        Get(e, name, JsonValueKind.Array, where).EnumerateArray()
            .Select(v => v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) ? i : throw new FormatException($"{where}: \"{name}\" must hold integers.")).ToArray();

    private static int Int(JsonElement e, string name, string where) =>
        Get(e, name, JsonValueKind.Number, where).TryGetInt32(out int i) ? i : throw new FormatException($"{where}: \"{name}\" must be an integer.");

    private static double Number(JsonElement e, string name, string where) => Get(e, name, JsonValueKind.Number, where).GetDouble();

    private static bool Bool(JsonElement e, string name, string where)
    {
        if (!e.TryGetProperty(name, out var v) || (v.ValueKind != JsonValueKind.True && v.ValueKind != JsonValueKind.False))
        {
            throw new FormatException($"{where}: field \"{name}\" is missing or not a boolean.");
        }

        return v.GetBoolean();
    }

    private static T Parse<T>(JsonElement e, string name, string where)
        where T : struct, Enum =>
        Enum.TryParse<T>(Get(e, name, JsonValueKind.String, where).GetString(), out var value) && Enum.IsDefined(value)
            ? value
            : throw new FormatException($"{where}: \"{name}\" is not a known {typeof(T).Name}.");

    // a configuration the constructor rejects (an invalid permutation, say) is a malformed file
    private static FlowBijector Checked(Func<FlowBijector> create, string where)
    {
        try
        {
            return create();
        }
        catch (ArgumentException ex)
        {
            throw new FormatException($"{where}: invalid layer configuration: {ex.Message}", ex);
        }
    }

    private static JsonElement Get(JsonElement e, string name, JsonValueKind kind, string where)
    {
        if (!e.TryGetProperty(name, out var v) || v.ValueKind != kind)
        {
            throw new FormatException($"{where}: field \"{name}\" is missing or not a {kind}.");
        }

        return v;
    }
}
