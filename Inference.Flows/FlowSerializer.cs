using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Inference.Autodiff;
using Inference.Flows.Bijectors;
using Inference.Flows.Modules;
using Inference.Flows.Serialization;

namespace Inference.Flows;

/// <summary>
/// Saves and loads flows as versioned JSON: each layer's type, its configuration, its parameters and buffers by name.
/// Each layer writes and reads its own configuration (<see cref="ISerializableFlowLayer{TSelf}"/>); this class keeps
/// the format, the version and the parameter values. A file that does not match raises a <see cref="FormatException"/>
/// naming the field by its path, before any size in the file is allowed to allocate memory. Writing validates first and
/// is whole or nothing: a file written by <see cref="Save(FlowBijector, string)"/> is complete or absent.
/// </summary>
/// <remarks>
/// Version 2 stores dense weights [out, in] (TorchSharp's layout); version 1 stored them [in, out] and is still read.
/// </remarks>
public static class FlowSerializer
{
    /// <summary>The format name written in every file.</summary>
    public const string Format = "inference-flow";

    /// <summary>The current version.</summary>
    public const int Version = 2;

    private static readonly ConcurrentDictionary<string, Func<FlowLayerReader, FlowBijector>> Readers = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<Type, string> Names = new();

#pragma warning disable CA1810 // the registry is filled by a scan of this assembly, once
    static FlowSerializer()
    {
        var register = typeof(FlowSerializer).GetMethod(nameof(Register))!;
        foreach (var type in typeof(FlowSerializer).Assembly.GetTypes())
        {
            if (!type.IsAbstract && type.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ISerializableFlowLayer<>) && i.GenericTypeArguments[0] == type))
            {
                register.MakeGenericMethod(type).Invoke(null, null);
            }
        }
    }
#pragma warning restore CA1810

    /// <summary>The layer types a file may hold, by their saved names.</summary>
    public static IReadOnlyCollection<string> LayerTypes => Readers.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>Adds a layer type defined outside this assembly (the ones here are found by themselves).</summary>
    /// <exception cref="InvalidOperationException">Another type is registered under the same name.</exception>
    public static void Register<T>()
        where T : FlowBijector, ISerializableFlowLayer<T>
    {
        string name = T.TypeName;
        if (Names.TryGetValue(typeof(T), out var known) && known == name)
        {
            return;
        }

        if (!Readers.TryAdd(name, reader => T.Read(reader)))
        {
            throw new InvalidOperationException($"The flow layer name \"{name}\" of {typeof(T).Name} is already taken.");
        }

        Names[typeof(T)] = name;
    }

    /// <summary>The name <paramref name="layer"/> is saved under.</summary>
    /// <exception cref="NotSupportedException">The layer's type cannot be saved.</exception>
    public static string TypeNameOf(FlowBijector layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return Names.TryGetValue(layer.GetType(), out var name)
            ? name
            : throw new NotSupportedException($"A {layer.GetType().Name} cannot be saved: implement ISerializableFlowLayer<{layer.GetType().Name}> and call FlowSerializer.Register.");
    }

    /// <summary>Writes <paramref name="flow"/> to <paramref name="stream"/>: validated and serialized first, so the stream receives the whole file or nothing.</summary>
    /// <exception cref="ArgumentException">A parameter or buffer is not finite (named in the message).</exception>
    public static void Save(FlowBijector flow, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var bytes = Serialize(flow);
        stream.Write(bytes.WrittenSpan);
        stream.Flush();
    }

    /// <summary>
    /// Writes <paramref name="flow"/> to the file at <paramref name="path"/> atomically: into a temporary file in the
    /// same folder, then renamed over the target, so the file is either the complete new flow or what was there before.
    /// </summary>
    /// <exception cref="ArgumentException">A parameter or buffer is not finite (named in the message).</exception>
    public static void Save(FlowBijector flow, string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var bytes = Serialize(flow);
        string full = Path.GetFullPath(path);
        string temporary = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                file.Write(bytes.WrittenSpan);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    /// <summary>An independent copy of <paramref name="flow"/> (its parameters, buffers and configuration), made by saving and loading it in memory.</summary>
    /// <exception cref="NotSupportedException">The flow holds a layer that cannot be saved.</exception>
    public static FlowBijector Clone(FlowBijector flow)
    {
        var bytes = Serialize(flow);
        using var stream = new MemoryStream(bytes.WrittenMemory.ToArray(), writable: false);
        return Load(stream);
    }

    /// <summary>Reads a flow from the file at <paramref name="path"/>.</summary>
    /// <exception cref="FormatException">The content is not a valid flow file.</exception>
    public static FlowBijector Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var file = File.OpenRead(path);
        return Load(file);
    }

    /// <summary>Reads a flow written by <see cref="Save(FlowBijector, Stream)"/> (this version or version 1).</summary>
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
            throw new FormatException($"The flow file is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine}): {ex.Message}", ex);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("format", out var format) || format.ValueKind != JsonValueKind.String || format.GetString() != Format)
            {
                throw new FormatException($"Not a flow file: the \"format\" field must be \"{Format}\".");
            }

            if (!root.TryGetProperty("version", out var v) || v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out int version))
            {
                throw new FormatException("file.version: is missing or not an integer.");
            }

            if (version is < 1 or > Version)
            {
                throw new FormatException($"file.version: flow file version {version} is not supported (this library reads versions 1 to {Version}).");
            }

            if (!root.TryGetProperty("flow", out var flow) || flow.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("file.flow: is missing or not a layer record (a JSON object).");
            }

            return ReadLayer(flow, "flow", version);
        }
    }

    private static ArrayBufferWriter<byte> Serialize(FlowBijector flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        CheckFinite(flow, nameof(flow));
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("format", Format);
            w.WriteNumber("version", Version);
            w.WritePropertyName("flow");
            WriteLayer(w, flow);
            w.WriteEndObject();
        }

        return buffer;
    }

    // JSON has no NaN or infinity: a non-finite value would stop the writer halfway, so it is refused before writing
    private static void CheckFinite(FlowBijector flow, string paramName)
    {
        foreach (var (name, p) in flow.NamedParameters())
        {
            int bad = Array.FindIndex(p.Value.Data, v => !double.IsFinite(v));
            if (bad >= 0)
            {
                throw new ArgumentException($"The flow cannot be saved: parameter {name}[{bad}] is {p.Value.Data[bad].ToString(CultureInfo.InvariantCulture)}.", paramName);
            }
        }

        foreach (var (name, b) in flow.NamedBuffers())
        {
            int bad = Array.FindIndex(b.Data, v => !double.IsFinite(v));
            if (bad >= 0)
            {
                throw new ArgumentException($"The flow cannot be saved: buffer {name}[{bad}] is {b.Data[bad].ToString(CultureInfo.InvariantCulture)}.", paramName);
            }
        }
    }

    private static void WriteLayer(Utf8JsonWriter w, FlowBijector layer)
    {
        w.WriteStartObject();
        w.WriteString("type", TypeNameOf(layer));
        w.WriteNumber("dimension", layer.Dimension);
        layer.WriteConfiguration(new FlowLayerWriter(w, WriteLayer));
        w.WriteStartObject("parameters");
        foreach (var (name, p) in OwnParameters(layer, ""))
        {
            WriteValues(w, name, p.Value.Data);
        }

        w.WriteEndObject();
        var buffers = OwnBuffers(layer, "").ToArray();
        if (buffers.Length > 0)
        {
            w.WriteStartObject("buffers");
            foreach (var (name, b) in buffers)
            {
                WriteValues(w, name, b.Data);
            }

            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    private static void WriteValues(Utf8JsonWriter w, string name, double[] values)
    {
        w.WriteStartArray(name);
        foreach (double v in values)
        {
            w.WriteNumberValue(v);
        }

        w.WriteEndArray();
    }

    // a layer's own parameters and buffers: those of its modules, but not of nested flow layers (saved in their own records)
    private static IEnumerable<(string Name, Parameter Parameter)> OwnParameters(Module module, string prefix)
    {
        foreach (var p in module.DirectParameters)
        {
            yield return (prefix + p.Name, p);
        }

        foreach (var (name, child) in module.NamedChildren())
        {
            if (child is not FlowBijector)
            {
                foreach (var item in OwnParameters(child, $"{prefix}{name}."))
                {
                    yield return item;
                }
            }
        }
    }

    private static IEnumerable<(string Name, Tensor Buffer)> OwnBuffers(Module module, string prefix)
    {
        foreach (var (name, b) in module.DirectBuffers)
        {
            yield return (prefix + name, b);
        }

        foreach (var (name, child) in module.NamedChildren())
        {
            if (child is not FlowBijector)
            {
                foreach (var item in OwnBuffers(child, $"{prefix}{name}."))
                {
                    yield return item;
                }
            }
        }
    }

    private static FlowBijector ReadLayer(JsonElement e, string path, int version)
    {
        if (!e.TryGetProperty("type", out var typeField) || typeField.ValueKind != JsonValueKind.String)
        {
            throw new FormatException($"{path}.type: is missing or not a string.");
        }

        string type = typeField.GetString()!;
        if (!Readers.TryGetValue(type, out var read))
        {
            throw new FormatException($"{path}.type: unknown layer type \"{type}\" (known: {string.Join(", ", LayerTypes)}).");
        }

        var saved = Values(e, "parameters", path, required: false);
        var savedBuffers = Values(e, "buffers", path, required: false);
        long stored = saved.Sum(s => (long)s.Value.GetArrayLength());
        var reader = new FlowLayerReader(e, path, version, stored, (nested, nestedPath) => ReadLayer(nested, nestedPath, version));
        var layer = read(reader);
        if (!reader.Created)
        {
            throw new InvalidOperationException($"The reader of \"{type}\" built its layer without FlowLayerReader.Create, which checks the file's sizes first.");
        }

        if (e.TryGetProperty("dimension", out _) && layer.Dimension != reader.Dimension)
        {
            throw new FormatException($"{path}.dimension: the layer has dimension {layer.Dimension}, the file says {reader.Dimension}.");
        }

        var byName = saved.ToDictionary(s => s.Name, s => s.Value, StringComparer.Ordinal);
        foreach (var (name, p) in OwnParameters(layer, ""))
        {
            if (!byName.TryGetValue(name, out var values))
            {
                throw new FormatException($"{path}.parameters.{name}: is missing.");
            }

            bool transposed = version == 1 && p.TransposedInVersion1;
            Fill(values, p.Value, $"{path}.parameters.{name}", transposed);
        }

        var buffersByName = savedBuffers.ToDictionary(s => s.Name, s => s.Value, StringComparer.Ordinal);
        foreach (var (name, b) in OwnBuffers(layer, ""))
        {
            if (!buffersByName.TryGetValue(name, out var values))
            {
                throw new FormatException($"{path}.buffers.{name}: is missing.");
            }

            Fill(values, b, $"{path}.buffers.{name}", transposed: false);
        }

        NotifyLoaded(layer);
        return layer;
    }

    // the layer's own modules (nested flow layers were notified when they were read)
    private static void NotifyLoaded(Module module)
    {
        foreach (var (_, child) in module.NamedChildren())
        {
            if (child is not FlowBijector)
            {
                NotifyLoaded(child);
            }
        }

        module.OnLoaded();
    }

    private static List<(string Name, JsonElement Value)> Values(JsonElement e, string field, string path, bool required)
    {
        var result = new List<(string, JsonElement)>();
        if (!e.TryGetProperty(field, out var block))
        {
            return required ? throw new FormatException($"{path}.{field}: is missing.") : result;
        }

        if (block.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"{path}.{field}: must be an object of named arrays; the file has a {block.ValueKind}.");
        }

        foreach (var property in block.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException($"{path}.{field}.{property.Name}: must be an array of numbers; the file has a {property.Value.ValueKind}.");
            }

            result.Add((property.Name, property.Value));
        }

        return result;
    }

    // copies a saved array into the tensor, each value checked; a version-1 [in, out] weight is transposed into [out, in]
    private static void Fill(JsonElement values, Tensor target, string where, bool transposed)
    {
        int length = values.GetArrayLength();
        if (length != target.Length)
        {
            throw new FormatException($"{where}: has {length} values; {target.Length} expected.");
        }

        int rows = transposed ? target.Shape[0] : 1, columns = target.Length / rows, i = 0;
        foreach (var v in values.EnumerateArray())
        {
            if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out double value) || !double.IsFinite(value))
            {
                throw new FormatException($"{where}[{i}]: must be a finite number; the file has {(v.ValueKind == JsonValueKind.Number ? v.GetRawText() : "a " + v.ValueKind)}.");
            }

            // version 1 wrote W[in, out] row-major: value i is W[i / out, i % out], now at [i % out, i / out]
            int at = transposed ? ((i % rows) * columns) + (i / rows) : i;
            target[at] = value;
            i++;
        }
    }
}
