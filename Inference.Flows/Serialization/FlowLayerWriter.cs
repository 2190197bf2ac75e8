using System.Text.Json;
using Inference.Flows.Bijectors;

namespace Inference.Flows.Serialization;

/// <summary>Writes one layer's configuration fields into its record of a flow file.</summary>
public sealed class FlowLayerWriter
{
    private readonly Utf8JsonWriter _json;
    private readonly Action<Utf8JsonWriter, FlowBijector> _writeLayer;

    internal FlowLayerWriter(Utf8JsonWriter json, Action<Utf8JsonWriter, FlowBijector> writeLayer)
    {
        _json = json;
        _writeLayer = writeLayer;
    }

    /// <summary>An integer field.</summary>
    public void Integer(string name, int value) => _json.WriteNumber(name, value);

    /// <summary>An array of integers.</summary>
    public void Integers(string name, IReadOnlyList<int> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        _json.WriteStartArray(name);
        foreach (int v in values)
        {
            _json.WriteNumberValue(v);
        }

        _json.WriteEndArray();
    }

    /// <summary>A finite number.</summary>
    public void Number(string name, double value)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, $"Field \"{name}\" must be finite to be saved.");
        }

        _json.WriteNumber(name, value);
    }

    /// <summary>A boolean field.</summary>
    public void Boolean(string name, bool value) => _json.WriteBoolean(name, value);

    /// <summary>An enum field, by name.</summary>
    public void Enum<T>(string name, T value)
        where T : struct, Enum => _json.WriteString(name, value.ToString());

    /// <summary>A nested layer (saved whole, with its own parameters).</summary>
    public void Layer(string name, FlowBijector layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        _json.WritePropertyName(name);
        _writeLayer(_json, layer);
    }

    /// <summary>An array of nested layers.</summary>
    public void Layers(string name, IReadOnlyList<FlowBijector> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        _json.WriteStartArray(name);
        foreach (var layer in layers)
        {
            _writeLayer(_json, layer);
        }

        _json.WriteEndArray();
    }
}
