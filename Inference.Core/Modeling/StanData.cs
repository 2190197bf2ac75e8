using System.Text.Json;
using Inference.Autodiff;

namespace Inference.Modeling;

/// <summary>
/// Data in Stan's JSON format (an object of named numbers, arrays and matrices given as lists of rows),
/// as CmdStan and posteriordb use it.
/// </summary>
public sealed class StanData
{
    private readonly Dictionary<string, JsonElement> _values;

    private StanData(Dictionary<string, JsonElement> values) => _values = values;

    /// <summary>Parses Stan JSON text.</summary>
    /// <exception cref="FormatException">The text is not a JSON object.</exception>
    public static StanData Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        using var doc = JsonDocument.Parse(json);
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("Stan data must be a JSON object of named values.");
        }

        return new StanData(doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone()));
    }

    /// <summary>Reads a Stan JSON file.</summary>
    public static StanData Load(string path) => Parse(File.ReadAllText(path));

    /// <summary>The names present.</summary>
    public IEnumerable<string> Names => _values.Keys;

    /// <summary>A scalar.</summary>
    public double Scalar(string name) => Get(name, JsonValueKind.Number).GetDouble();

    /// <summary>A vector (or 1-D array).</summary>
    public double[] Vector(string name) => Get(name, JsonValueKind.Array).EnumerateArray().Select(Number).ToArray();

    /// <summary>A matrix given as a list of rows.</summary>
    public Tensor Matrix(string name)
    {
        var rows = Get(name, JsonValueKind.Array).EnumerateArray().Select(r => r.EnumerateArray().Select(Number).ToArray()).ToArray();
        int m = rows.Length, n = m == 0 ? 0 : rows[0].Length;
        if (rows.Any(r => r.Length != n))
        {
            throw new FormatException($"'{name}' is not rectangular.");
        }

        var t = new Tensor(Shape.Matrix(m, n));
        for (int i = 0; i < m; i++)
        {
            rows[i].CopyTo(t.Data, i * n);
        }

        return t;
    }

    private JsonElement Get(string name, JsonValueKind kind)
    {
        if (!_values.TryGetValue(name, out var v))
        {
            throw new KeyNotFoundException($"The data has no entry '{name}'.");
        }

        if (v.ValueKind != kind)
        {
            throw new FormatException($"'{name}' is a JSON {v.ValueKind}, not a {kind}.");
        }

        return v;
    }

    private static double Number(JsonElement e) =>
        e.ValueKind == JsonValueKind.Number ? e.GetDouble() : throw new FormatException($"Expected a number, found {e.ValueKind}.");
}
