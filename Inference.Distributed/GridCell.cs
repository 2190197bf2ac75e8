using System.Globalization;
using System.Text;
using Inference.Workflow.Comparison;

namespace Inference.Distributed;

/// <summary>How a cell's sampler runs: the chain counts and lengths (the comparison's settings, one seed).</summary>
/// <param name="Chains">Chains of the run.</param>
/// <param name="Warmup">Warmup iterations per chain.</param>
/// <param name="Draws">Draws per chain.</param>
/// <param name="MaxDegreeOfParallelism">Chains run at once inside the cell (1 lets a grid keep every core busy with cells instead).</param>
/// <param name="VariationalIterations">Optimizer steps of a flow-based sampler's fit.</param>
[GenerateSerializer]
[Immutable]
public sealed record CellSettings(int Chains = 4, int Warmup = 1000, int Draws = 1000, int MaxDegreeOfParallelism = 1, int VariationalIterations = 2000)
{
    /// <summary>The comparison settings a sampler of <see cref="ComparisonSamplers"/> runs with, for <paramref name="seed"/>.</summary>
    public ComparisonSettings ToComparisonSettings(ulong seed) => new()
    {
        Chains = Chains,
        Warmup = Warmup,
        Draws = Draws,
        Seeds = [seed],
        MaxDegreeOfParallelism = MaxDegreeOfParallelism,
        VariationalIterations = VariationalIterations,
    };

    /// <summary>The same settings as a comparison's (its seeds are given per cell).</summary>
    public static CellSettings From(ComparisonSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new CellSettings(settings.Chains, settings.Warmup, settings.Draws, settings.MaxDegreeOfParallelism, settings.VariationalIterations);
    }
}

/// <summary>
/// One unit of work of a grid: a model by its registered name (<see cref="ModelRegistry"/>), its data as Stan JSON, a
/// sampler by its registry name (<see cref="ComparisonSamplers"/>) with its settings, and the seed. A cell carries names
/// and data, never code, so any silo that registered the model can run it, and the same cell gives the same draws
/// wherever it runs.
/// </summary>
/// <param name="Key">The cell's name within its grid (unique; used for output folders and in messages).</param>
/// <param name="Model">The registered model name.</param>
/// <param name="Data">The model's data as Stan JSON text (<c>{}</c> for none).</param>
/// <param name="Sampler">The sampler's registry name (nuts, nuts-dense, hmc, mala, rwm, neutra).</param>
/// <param name="Settings">Chains and lengths.</param>
/// <param name="Seed">The run's root seed.</param>
[GenerateSerializer]
[Immutable]
public sealed record GridCell(string Key, string Model, string Data, string Sampler, CellSettings Settings, ulong Seed)
{
    /// <summary>Checks the cell before any work.</summary>
    /// <exception cref="ArgumentException">A name is empty, or the settings are out of range (the message names the field).</exception>
    public void Validate()
    {
#pragma warning disable CA2208 // the exceptions name the offending field of the cell
        ArgumentException.ThrowIfNullOrWhiteSpace(Key, nameof(Key));
        ArgumentException.ThrowIfNullOrWhiteSpace(Model, nameof(Model));
        ArgumentNullException.ThrowIfNull(Data, nameof(Data));
        ArgumentException.ThrowIfNullOrWhiteSpace(Sampler, nameof(Sampler));
        ArgumentNullException.ThrowIfNull(Settings, nameof(Settings));
#pragma warning restore CA2208
        Settings.ToComparisonSettings(Seed).Validate();
    }
}

/// <summary>Stan JSON text from named values, for a cell's data (doubles written so they read back bit for bit).</summary>
public static class StanJson
{
    /// <summary>
    /// The Stan JSON object of <paramref name="values"/>: each value a double, an int, a double[] or int[] (a vector),
    /// or a double[,] (a matrix, row by row).
    /// </summary>
    /// <exception cref="ArgumentException">A value is of another type, or not finite.</exception>
    public static string From(params (string Name, object Value)[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var sb = new StringBuilder("{");
        for (int i = 0; i < values.Length; i++)
        {
            var (name, value) = values[i];
            ArgumentException.ThrowIfNullOrWhiteSpace(name, nameof(values));
            if (i > 0)
            {
                sb.Append(", ");
            }

            sb.Append('"').Append(name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append("\": ");
            switch (value)
            {
                case double d:
                    sb.Append(Number(d, name));
                    break;
                case int n:
                    sb.Append(n.ToString(CultureInfo.InvariantCulture));
                    break;
                case double[] v:
                    sb.Append('[').AppendJoin(", ", v.Select(x => Number(x, name))).Append(']');
                    break;
                case int[] v:
                    sb.Append('[').AppendJoin(", ", v.Select(x => x.ToString(CultureInfo.InvariantCulture))).Append(']');
                    break;
                case double[,] m:
                    sb.Append('[');
                    for (int r = 0; r < m.GetLength(0); r++)
                    {
                        sb.Append(r > 0 ? ", [" : "[").AppendJoin(", ", Enumerable.Range(0, m.GetLength(1)).Select(c => Number(m[r, c], name))).Append(']');
                    }

                    sb.Append(']');
                    break;
                default:
                    throw new ArgumentException($"Data '{name}' is a {value?.GetType().Name ?? "null"}; give a double, int, double[], int[] or double[,].", nameof(values));
            }
        }

        return sb.Append('}').ToString();
    }

    private static string Number(double x, string name) => double.IsFinite(x)
        ? x.ToString("R", CultureInfo.InvariantCulture)
        : throw new ArgumentException($"Data '{name}' holds {x}; cell data must be finite.", nameof(x));
}
