using System.Globalization;
using System.Text;
using System.Text.Json;
using Inference.Flows.Bijectors;
using Inference.Randomness;

namespace Inference.Flows.Serialization;

/// <summary>
/// Reads one layer's record of a flow file. Every accessor checks the field's kind and range and raises a
/// <see cref="FormatException"/> that names the field by its path ("flow.layers[3].hidden"); nothing is allocated
/// from a size in the file until <see cref="Create{T}"/> has compared the parameter count it implies with the values
/// the file actually stores.
/// </summary>
public sealed class FlowLayerReader
{
    private readonly JsonElement _record;
    private readonly Func<JsonElement, string, FlowBijector> _readLayer;
    private readonly StringBuilder _fieldsRead = new();
    private int? _dimension;

    internal FlowLayerReader(JsonElement record, string path, int version, long storedParameterValues, Func<JsonElement, string, FlowBijector> readLayer)
    {
        _record = record;
        Path = path;
        Version = version;
        StoredParameterValues = storedParameterValues;
        _readLayer = readLayer;
    }

    /// <summary>Where the record sits in the file ("flow.layers[3]"), for messages.</summary>
    public string Path { get; }

    /// <summary>The file's format version.</summary>
    public int Version { get; }

    /// <summary>The number of parameter values the record stores (under "parameters").</summary>
    public long StoredParameterValues { get; }

    /// <summary>Whether <see cref="Create{T}"/> has run (the serializer insists on it).</summary>
    internal bool Created { get; private set; }

    /// <summary>
    /// A generator for constructors that need one: their random initial values are overwritten by the saved
    /// parameters, so its seed does not matter.
    /// </summary>
    public Rng Rng { get; } = new(0);

    /// <summary>The "dimension" field: an integer of at least 1.</summary>
    public int Dimension => _dimension ??= Integer("dimension", 1, int.MaxValue);

    /// <summary>An integer field in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public int Integer(string name, int min = int.MinValue, int max = int.MaxValue)
    {
        var v = Field(name, JsonValueKind.Number, "an integer");
        if (!v.TryGetInt64(out long value) || value < min || value > max)
        {
            throw Error(name, $"must be an integer in [{min}, {max}]; the file has {v.GetRawText()}.");
        }

        Note(name, value.ToString(CultureInfo.InvariantCulture));
        return (int)value;
    }

    /// <summary>An optional integer field: <paramref name="absent"/> when the record does not have it (a field added after version 1).</summary>
    public int OptionalInteger(string name, int absent, int min = int.MinValue, int max = int.MaxValue) =>
        _record.TryGetProperty(name, out _) ? Integer(name, min, max) : absent;

    /// <summary>An array of integers, each in [<paramref name="min"/>, <paramref name="max"/>], of length <paramref name="count"/> when given.</summary>
    public int[] Integers(string name, int min = int.MinValue, int max = int.MaxValue, int? count = null)
    {
        var array = Field(name, JsonValueKind.Array, "an array of integers");
        int length = array.GetArrayLength();
        if (count is int expected && length != expected)
        {
            throw Error(name, $"must hold {expected} integers; the file has {length}.");
        }

        var result = new int[length];
        int i = 0;
        foreach (var v in array.EnumerateArray())
        {
            if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out long value) || value < min || value > max)
            {
                throw Error($"{name}[{i}]", $"must be an integer in [{min}, {max}]; the file has {v.GetRawText()}.");
            }

            result[i++] = (int)value;
        }

        Note(name, "[" + string.Join(", ", result.Take(8)) + (length > 8 ? ", …" : "") + "]");
        return result;
    }

    /// <summary>A permutation of 0 … <paramref name="count"/> − 1: each index exactly once.</summary>
    public int[] Permutation(string name, int count)
    {
        var index = Integers(name, 0, count - 1, count);
        var seen = new bool[count];
        for (int i = 0; i < count; i++)
        {
            if (seen[index[i]])
            {
                throw Error($"{name}[{i}]", $"repeats index {index[i]}; a permutation holds each of 0 … {count - 1} once.");
            }

            seen[index[i]] = true;
        }

        return index;
    }

    /// <summary>Hidden widths: an array of integers of at least 1.</summary>
    public int[] Widths(string name) => Integers(name, 1, int.MaxValue);

    /// <summary>A finite number.</summary>
    public double Number(string name)
    {
        var v = Field(name, JsonValueKind.Number, "a number");
        if (!v.TryGetDouble(out double value) || !double.IsFinite(value))
        {
            throw Error(name, $"must be a finite number; the file has {v.GetRawText()}.");
        }

        Note(name, value.ToString("R", CultureInfo.InvariantCulture));
        return value;
    }

    /// <summary>A boolean field.</summary>
    public bool Boolean(string name)
    {
        if (!_record.TryGetProperty(name, out var v) || (v.ValueKind != JsonValueKind.True && v.ValueKind != JsonValueKind.False))
        {
            throw Error(name, "is missing or not a boolean.");
        }

        return v.GetBoolean();
    }

    /// <summary>An enum field, by name.</summary>
    public T Enum<T>(string name)
        where T : struct, Enum
    {
        string? text = Field(name, JsonValueKind.String, "a string").GetString();
        if (!System.Enum.TryParse<T>(text, out var value) || !System.Enum.IsDefined(value) || char.IsDigit(text![0]))
        {
            throw Error(name, $"\"{text}\" is not a known {typeof(T).Name} ({string.Join(", ", System.Enum.GetNames<T>())}).");
        }

        return value;
    }

    /// <summary>A nested layer.</summary>
    public FlowBijector Layer(string name) => _readLayer(Field(name, JsonValueKind.Object, "a layer record"), $"{Path}.{name}");

    /// <summary>An array of nested layers (at least one).</summary>
    public FlowBijector[] Layers(string name)
    {
        var array = Field(name, JsonValueKind.Array, "an array of layer records");
        if (array.GetArrayLength() == 0)
        {
            throw Error(name, "must hold at least one layer.");
        }

        return array.EnumerateArray()
            .Select((l, i) => l.ValueKind == JsonValueKind.Object
                ? _readLayer(l, string.Create(CultureInfo.InvariantCulture, $"{Path}.{name}[{i}]"))
                : throw Error($"{name}[{i}]", "must be a layer record (a JSON object)."))
            .ToArray();
    }

    /// <summary>
    /// Builds the layer once its configuration is read: first checks that the configuration's
    /// <paramref name="parameterCount"/> (computed without allocating, in 64 bits) equals the number of values the
    /// record stores, so that a declared size can never demand more memory than the file holds; then runs
    /// <paramref name="create"/>, turning a configuration the constructor rejects into a <see cref="FormatException"/>.
    /// </summary>
    public T Create<T>(long parameterCount, Func<T> create)
        where T : FlowBijector
    {
        ArgumentNullException.ThrowIfNull(create);
        if (parameterCount != StoredParameterValues)
        {
            string fields = _fieldsRead.Length == 0 ? "its configuration" : $"its configuration ({_fieldsRead})";
            throw new FormatException($"{Path}: {fields} implies {(parameterCount < 0 ? "more than 2⁶³" : parameterCount.ToString(CultureInfo.InvariantCulture))} parameter values, but \"parameters\" stores {StoredParameterValues}.");
        }

        Created = true;
        try
        {
            return create();
        }
        catch (ArgumentException ex)
        {
            throw new FormatException($"{Path}: invalid layer configuration: {ex.Message}", ex);
        }
    }

    /// <summary>An error about field <paramref name="name"/> of this record.</summary>
    public FormatException Error(string name, string problem) => new($"{Path}.{name}: {problem}");

    private JsonElement Field(string name, JsonValueKind kind, string what)
    {
        if (!_record.TryGetProperty(name, out var v))
        {
            throw Error(name, $"is missing (expected {what}).");
        }

        if (v.ValueKind != kind)
        {
            throw Error(name, $"must be {what}; the file has a {v.ValueKind}.");
        }

        return v;
    }

    private void Note(string name, string value)
    {
        if (_fieldsRead.Length > 0)
        {
            _fieldsRead.Append(", ");
        }

        _fieldsRead.Append(name).Append(" = ").Append(value);
    }
}
