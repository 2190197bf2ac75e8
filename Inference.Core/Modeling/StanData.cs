using System.Globalization;
using System.Text.Json;
using Inference.Autodiff;

namespace Inference.Modeling;

/// <summary>
/// Data in Stan's JSON format (an object of named numbers, arrays and matrices given as lists of rows),
/// as CmdStan and posteriordb use it. CmdStan's strings for the values JSON cannot hold are read as numbers:
/// "NaN", "Inf"/"Infinity" and "-Inf"/"-Infinity" (any case, optional +). Whether such a value may be
/// observed is for the model to decide: a model refuses data that is not finite where it enters.
/// </summary>
/// <remarks>Every accessor raises <see cref="FormatException"/> naming the entry (and the element) that is not what was asked for.</remarks>
public sealed class StanData
{
    private readonly Dictionary<string, JsonElement> _values;

    private StanData(Dictionary<string, JsonElement> values) => _values = values;

    /// <summary>Parses Stan JSON text.</summary>
    /// <exception cref="FormatException">The text is not valid JSON, or not a JSON object; the message says where.</exception>
    public static StanData Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"Stan data is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}): {ex.Message}", ex);
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"Stan data must be a JSON object of named values; got a JSON {doc.RootElement.ValueKind}.");
            }

            var values = new Dictionary<string, JsonElement>();
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (!values.TryAdd(p.Name, p.Value.Clone()))
                {
                    throw new FormatException($"Stan data names '{p.Name}' twice.");
                }
            }

            return new StanData(values);
        }
    }

    /// <summary>Reads a Stan JSON file.</summary>
    /// <exception cref="FormatException">The file is not a JSON object (the message names the file).</exception>
    public static StanData Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string text = File.ReadAllText(path);
        try
        {
            return Parse(text);
        }
        catch (FormatException ex)
        {
            throw new FormatException($"{path}: {ex.Message}", ex);
        }
    }

    /// <summary>The names present.</summary>
    public IEnumerable<string> Names => _values.Keys;

    /// <summary>Whether an entry <paramref name="name"/> exists.</summary>
    public bool Contains(string name) => _values.ContainsKey(name);

    /// <summary>A real scalar.</summary>
    public double Scalar(string name) => Number(Get(name), name);

    /// <summary>An integer scalar (Stan's <c>int</c>: a size, a count, a flag); a fractional or out-of-range value is refused, not truncated.</summary>
    public int Integer(string name) => WholeNumber(Get(name), name);

    /// <summary>A real vector (or 1-D array).</summary>
    public double[] Vector(string name)
    {
        var e = Array(Get(name), name);
        var result = new double[e.GetArrayLength()];
        int i = 0;
        foreach (var item in e.EnumerateArray())
        {
            result[i] = Number(item, Element(name, i));
            i++;
        }

        return result;
    }

    /// <summary>An integer array (Stan's <c>array[N] int</c>: counts, group indices, outcomes).</summary>
    public int[] Integers(string name)
    {
        var e = Array(Get(name), name);
        var result = new int[e.GetArrayLength()];
        int i = 0;
        foreach (var item in e.EnumerateArray())
        {
            result[i] = WholeNumber(item, Element(name, i));
            i++;
        }

        return result;
    }

    /// <summary>A real matrix given as a list of rows.</summary>
    public Tensor Matrix(string name)
    {
        var e = Array(Get(name), name);
        int m = e.GetArrayLength(), n = -1, i = 0;
        double[] data = [];
        foreach (var row in e.EnumerateArray())
        {
            string rowName = Element(name, i);
            var r = Array(row, rowName);
            if (n < 0)
            {
                n = r.GetArrayLength();
                data = new double[m * n];
            }
            else if (r.GetArrayLength() != n)
            {
                throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"'{name}' is not rectangular: row 1 has {n} entries, row {i + 1} has {r.GetArrayLength()}."));
            }

            int j = 0;
            foreach (var item in r.EnumerateArray())
            {
                data[(i * n) + j] = Number(item, string.Create(CultureInfo.InvariantCulture, $"{name}[{i + 1},{j + 1}]"));
                j++;
            }

            i++;
        }

        return new Tensor(data, Shape.Matrix(m, Math.Max(n, 0)));
    }

    private JsonElement Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _values.TryGetValue(name, out var v) ? v : throw new KeyNotFoundException($"The data has no entry '{name}'.");
    }

    private static string Element(string name, int index) => string.Create(CultureInfo.InvariantCulture, $"{name}[{index + 1}]");

    private static JsonElement Array(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Array ? e : throw new FormatException($"'{name}' is a JSON {Describe(e)}, not an array.");

    private static double Number(JsonElement e, string name)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Number:
                if (e.TryGetDouble(out double v) && double.IsFinite(v))
                {
                    return v;
                }

                throw new FormatException($"'{name}' is {e.GetRawText()}, which is not a double.");
            case JsonValueKind.String:
                string s = e.GetString()!.Trim();
                if (s.Equals("NaN", StringComparison.OrdinalIgnoreCase))
                {
                    return double.NaN;
                }

                string unsigned = s.TrimStart('+', '-');
                if (unsigned.Length >= s.Length - 1 && (unsigned.Equals("Inf", StringComparison.OrdinalIgnoreCase) || unsigned.Equals("Infinity", StringComparison.OrdinalIgnoreCase)))
                {
                    return s.StartsWith('-') ? double.NegativeInfinity : double.PositiveInfinity;
                }

                throw new FormatException($"'{name}' is the string \"{s}\", not a number (the only strings read as numbers are NaN, Inf, -Inf, Infinity and -Infinity).");
            default:
                throw new FormatException($"'{name}' is a JSON {Describe(e)}, not a number.");
        }
    }

    private static int WholeNumber(JsonElement e, string name)
    {
        if (e.ValueKind != JsonValueKind.Number)
        {
            throw new FormatException($"'{name}' is a JSON {Describe(e)}, not an integer.");
        }

        if (e.TryGetInt32(out int i))
        {
            return i;
        }

        // 8.0 and 1e2 are whole numbers written as reals; 8.5 and 3e10 are not Stan ints
        if (e.TryGetDouble(out double v) && v == Math.Floor(v) && v is >= int.MinValue and <= int.MaxValue)
        {
            return (int)v;
        }

        throw new FormatException($"'{name}' is {e.GetRawText()}, which is not an integer (a whole number in [{int.MinValue}, {int.MaxValue}]).");
    }

    private static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Array => "array",
        JsonValueKind.Object => "object",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Null => "null",
        _ => e.ValueKind.ToString(),
    };
}
