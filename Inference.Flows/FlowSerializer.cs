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
            case ReversePermutation:
                w.WriteString("type", "reverse-permutation");
                break;
            case AffineCoupling coupling:
                w.WriteString("type", "affine-coupling");
                w.WriteStartArray("hidden");
                foreach (int h in coupling.Hidden)
                {
                    w.WriteNumberValue(h);
                }

                w.WriteEndArray();
                w.WriteNumber("parity", coupling.Parity);
                w.WriteString("activation", coupling.Activation.ToString());
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

        FlowBijector layer = type switch
        {
            "elementwise-affine" => new ElementwiseAffine(d),
            "lower-triangular-affine" => new LowerTriangularAffine(d),
            "reverse-permutation" => new ReversePermutation(d),
            "affine-coupling" => new AffineCoupling(
                d,
                Get(e, "hidden", JsonValueKind.Array, where).EnumerateArray().Select(h => h.GetInt32()).ToArray(),
                new Rng(0),
                Get(e, "parity", JsonValueKind.Number, where).GetInt32(),
                Enum.TryParse<Activation>(Get(e, "activation", JsonValueKind.String, where).GetString(), out var act) ? act : throw new FormatException($"{where}: unknown activation.")),
            _ => throw new FormatException($"{where}: unknown layer type \"{type}\"."),
        };

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

    private static JsonElement Get(JsonElement e, string name, JsonValueKind kind, string where)
    {
        if (!e.TryGetProperty(name, out var v) || v.ValueKind != kind)
        {
            throw new FormatException($"{where}: field \"{name}\" is missing or not a {kind}.");
        }

        return v;
    }
}
