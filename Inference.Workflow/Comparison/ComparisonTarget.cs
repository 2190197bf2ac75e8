using System.Text.Json;
using Inference.Densities;
using Inference.Modeling;

namespace Inference.Workflow.Comparison;

/// <summary>Reference posterior moments of one variable (from long reference runs or exact values).</summary>
/// <param name="Mean">E x.</param>
/// <param name="Sd">sd x.</param>
/// <param name="Q5">The 5% quantile.</param>
/// <param name="Q50">The median.</param>
/// <param name="Q95">The 95% quantile.</param>
/// <param name="McseMean">The reference mean's own Monte Carlo error (0: exact).</param>
/// <param name="EssBulk">The reference draws' bulk ESS (∞: exact); their quantiles' error is taken as a sampler's MCSE scaled by √(ESS / this).</param>
public readonly record struct ReferenceMoments(double Mean, double Sd, double Q5, double Q50, double Q95, double McseMean = 0, double EssBulk = double.PositiveInfinity);

/// <summary>A posterior to compare samplers on: its log-density, and reference moments by variable name where known.</summary>
public sealed class ComparisonTarget
{
    /// <summary>Creates a target.</summary>
    public ComparisonTarget(string name, ILogDensity density, IReadOnlyDictionary<string, ReferenceMoments>? reference = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(density);
        Name = name;
        Density = density;
        Reference = reference;
        var names = density is IConstrainedDensity c ? c.ConstrainedNames : density.CoordinateNames;
        JudgedVariables = density is CompiledModel model ? model.Layout.ParameterNames : names;
    }

    /// <summary>The target's name (the posterior's, for the catalog).</summary>
    public string Name { get; }

    /// <summary>The log-density samplers run on.</summary>
    public ILogDensity Density { get; }

    /// <summary>Reference moments by variable name, or null.</summary>
    public IReadOnlyDictionary<string, ReferenceMoments>? Reference { get; }

    /// <summary>The variables whose ESS and R-hat are judged: a model's parameters (not its derived quantities), or every coordinate.</summary>
    public IReadOnlyList<string> JudgedVariables { get; }

    /// <summary>A model as a target, with reference moments when given.</summary>
    public static ComparisonTarget FromModel(Model model, IReadOnlyDictionary<string, ReferenceMoments>? reference = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new ComparisonTarget(model.Name, model.Compile(), reference);
    }

    /// <summary>
    /// Reads a reference.json of the posteriordb layout (<c>{"parameters": [{"name", "mean", "sd", "q5", "q50", "q95"}, …]}</c>),
    /// with the reference draws' own error where the file gives it (<c>mcse_mean_ref</c>, <c>ess_bulk_ref</c>).
    /// </summary>
    /// <exception cref="FormatException">The file is not of that form (the message names the entry).</exception>
    public static IReadOnlyDictionary<string, ReferenceMoments> ReadReference(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var result = new Dictionary<string, ReferenceMoments>(StringComparer.Ordinal);
            int i = 0;
            foreach (var p in doc.RootElement.GetProperty("parameters").EnumerateArray())
            {
                string name = p.GetProperty("name").GetString() ?? throw new FormatException($"{path}: parameters[{i}].name is null.");
                double mcse = Number(p, "mcse_mean_ref"), ess = Number(p, "ess_bulk_ref");
                result[name] = new ReferenceMoments(Number(p, "mean"), Number(p, "sd"), Number(p, "q5"), Number(p, "q50"), Number(p, "q95"), double.IsNaN(mcse) ? 0 : mcse, ess > 0 ? ess : double.PositiveInfinity);
                i++;
            }

            return result;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new FormatException($"{path} is not a reference.json of the posteriordb layout: {ex.Message}", ex);
        }

        static double Number(JsonElement e, string field) => e.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : double.NaN;
    }
}
