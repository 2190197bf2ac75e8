using System.Globalization;

namespace Inference.Results;

/// <summary>
/// Reads Stan-CSV files (CmdStan's output, rstan's sample files, ours): the configuration comments, the header, the
/// warmup draws when they were saved (the rows before "# Adaptation terminated"), the adapted step size and inverse
/// metric, and the draws with their sampler statistics. Column names come back in Stan's form (<c>theta.1</c> →
/// <c>theta[1]</c>, <c>L.2.1</c> → <c>L[2,1]</c>); <c>nan</c>, <c>inf</c> and <c>-inf</c> are read as such.
/// </summary>
public static class StanCsvReader
{
    private static readonly string[] Statistics = ["lp__", "accept_stat__", "stepsize__", "treedepth__", "n_leapfrog__", "divergent__", "energy__"];

    /// <summary>Reads one file per chain into one set of draws (chains in the order given).</summary>
    /// <param name="paths">The files.</param>
    /// <param name="includeLogDensity">Also keep lp__ as the first column (as stansummary and rstan's reader do).</param>
    /// <exception cref="FormatException">A file is not Stan-CSV (the message names the file and line), or the files' columns differ.</exception>
    public static PosteriorDraws Read(IReadOnlyList<string> paths, bool includeLogDensity = false)
    {
        ArgumentNullException.ThrowIfNull(paths);
        if (paths.Count == 0)
        {
            throw new ArgumentException("At least one file is needed.", nameof(paths));
        }

        var files = new List<ParsedFile>(paths.Count);
        foreach (string path in paths)
        {
            using var reader = new StreamReader(path);
            files.Add(Parse(reader, path, includeLogDensity));
        }

        var first = files[0];
        for (int i = 1; i < files.Count; i++)
        {
            if (!files[i].Names.SequenceEqual(first.Names))
            {
                throw new FormatException($"{paths[i]} has other columns than {paths[0]}: the files are not chains of one run.");
            }
        }

        var info = first.Info;
        bool completed = files.All(f => f.Chain.Draws >= info.Draws / Math.Max(1, info.Thin));
        return new PosteriorDraws(first.Names, files.Select(f => f.Chain).ToArray(), completed, first.Engine, first.Seed) { Info = info };
    }

    /// <summary>Reads one chain from <paramref name="reader"/>; <paramref name="source"/> names it in errors.</summary>
    public static PosteriorDraws Read(TextReader reader, string source = "input", bool includeLogDensity = false)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var file = Parse(reader, source, includeLogDensity);
        return new PosteriorDraws(file.Names, [file.Chain], file.Chain.Draws >= file.Info.Draws, file.Engine, file.Seed) { Info = file.Info };
    }

    private sealed record ParsedFile(string[] Names, ChainDraws Chain, RunInfo Info, string Engine, ulong Seed);

    private static ParsedFile Parse(TextReader reader, string source, bool includeLogDensity)
    {
        var config = new Dictionary<string, string>(StringComparer.Ordinal);
        string[]? header = null;
        int[] statIndex = [];
        int[] variableIndex = [];
        var warmup = new List<double>();
        var values = new List<double>();
        var stats = new List<DrawStats>();
        bool adapted = false, metricNext = false, dense = false;
        double stepSize = double.NaN;
        var metric = new List<double>();
        double warmupSeconds = 0, samplingSeconds = 0;
        int lineNumber = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            if (line[0] == '#')
            {
                string text = line[1..].Trim();
                if (text.StartsWith("Adaptation terminated", StringComparison.Ordinal))
                {
                    adapted = true;
                }
                else if (text.StartsWith("Step size = ", StringComparison.Ordinal))
                {
                    stepSize = Number(text["Step size = ".Length..], source, lineNumber);
                }
                else if (text.Contains("inverse mass matrix", StringComparison.Ordinal) || text.Contains("inverse metric", StringComparison.Ordinal))
                {
                    metricNext = true;
                    dense = !text.StartsWith("Diagonal", StringComparison.Ordinal);
                }
                else if (metricNext && text.Length > 0 && (char.IsDigit(text[0]) || text[0] is '-' or '.'))
                {
                    metric.AddRange(text.Split(',').Select(v => Number(v.Trim(), source, lineNumber)));
                }
                else if (text.StartsWith("Elapsed Time:", StringComparison.Ordinal))
                {
                    warmupSeconds = Seconds(text["Elapsed Time:".Length..]);
                }
                else if (text.EndsWith("(Sampling)", StringComparison.Ordinal))
                {
                    samplingSeconds = Seconds(text);
                }
                else
                {
                    metricNext = false;
                    int eq = text.IndexOf('=', StringComparison.Ordinal);
                    if (eq > 0)
                    {
                        string key = text[..eq].Trim(), value = text[(eq + 1)..].Trim();
                        int paren = value.IndexOf(" (Default)", StringComparison.Ordinal);
                        config.TryAdd(key, paren >= 0 ? value[..paren] : value);
                    }
                }

                continue;
            }

            metricNext = false;
            var fields = line.Split(',');
            if (header is null)
            {
                header = fields.Select(f => f.Trim()).ToArray();
                statIndex = Statistics.Select(s => Array.IndexOf(header, s)).ToArray();
                if (statIndex[0] < 0)
                {
                    throw new FormatException($"{source}, line {lineNumber}: the header has no lp__ column; this is not a Stan-CSV file.");
                }

                var variables = Enumerable.Range(0, header.Length).Where(j => !header[j].EndsWith("__", StringComparison.Ordinal));
                variableIndex = (includeLogDensity ? variables.Prepend(statIndex[0]) : variables).ToArray();
                continue;
            }

            if (fields.Length != header.Length)
            {
                throw new FormatException($"{source}, line {lineNumber}: {fields.Length} values for {header.Length} columns (a truncated or mixed file?).");
            }

            var target = adapted || !SavesWarmup(config) ? values : warmup;
            foreach (int j in variableIndex)
            {
                target.Add(Number(fields[j], source, lineNumber));
            }

            if (ReferenceEquals(target, values))
            {
                stats.Add(new DrawStats(
                    Field(fields, statIndex[0], source, lineNumber),
                    Field(fields, statIndex[1], source, lineNumber),
                    Field(fields, statIndex[2], source, lineNumber),
                    (int)Field(fields, statIndex[3], source, lineNumber, 0),
                    (int)Field(fields, statIndex[4], source, lineNumber, 0),
                    Field(fields, statIndex[5], source, lineNumber, 0) != 0,
                    Field(fields, statIndex[6], source, lineNumber)));
            }
        }

        if (header is null)
        {
            throw new FormatException($"{source}: no header line; this is not a Stan-CSV file.");
        }

        var names = variableIndex.Select(j => StanName(header[j])).ToArray();
        int columns = names.Length;
        int draws = stats.Count;
        int d = metric.Count;
        dense &= d > 1 && IsSquare(d);
        var chain = new ChainDraws(columns, values.ToArray(), draws, stats.ToArray())
        {
            WarmupValues = warmup.ToArray(),
            WarmupDraws = columns == 0 ? 0 : warmup.Count / columns,
            StepSize = double.IsNaN(stepSize) && draws > 0 ? stats[0].StepSize : stepSize,
            InverseMetricDiagonal = dense ? Diagonal(metric, (int)Math.Sqrt(d)) : metric,
            InverseMetricMatrix = dense ? metric : null,
            WarmupTime = TimeSpan.FromSeconds(warmupSeconds),
            SamplingTime = TimeSpan.FromSeconds(samplingSeconds),
            SamplingGradients = stats.Sum(s => (long)s.LeapfrogSteps),
            Seed = ulong.TryParse(Get(config, "seed"), NumberStyles.Integer, CultureInfo.InvariantCulture, out ulong seed) ? seed : 0,
        };
        var info = new RunInfo(
            Int(config, "num_warmup"), Int(config, "num_samples", draws), Math.Max(1, Int(config, "thin", 1)), SavesWarmup(config),
            double.TryParse(Get(config, "delta"), NumberStyles.Float, CultureInfo.InvariantCulture, out double delta) ? delta : 0.8,
            Int(config, "max_depth", 10), Get(config, "metric") ?? "diag_e", Get(config, "model") ?? Path.GetFileNameWithoutExtension(source));
        return new ParsedFile(names, chain, info, Get(config, "engine") ?? "nuts", chain.Seed);
    }

    /// <summary>Stan's CSV column name in bracket form: theta.1 → theta[1], L.2.1 → L[2,1].</summary>
    public static string StanName(string column)
    {
        ArgumentNullException.ThrowIfNull(column);
        int dot = column.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || !column[(dot + 1)..].Split('.').All(p => p.Length > 0 && p.All(char.IsDigit)))
        {
            return column;
        }

        return column[..dot] + "[" + column[(dot + 1)..].Replace('.', ',') + "]";
    }

    private static bool SavesWarmup(Dictionary<string, string> config) => Get(config, "save_warmup") is "1" or "true";

    private static string? Get(Dictionary<string, string> config, string key) => config.TryGetValue(key, out var v) ? v : null;

    private static int Int(Dictionary<string, string> config, string key, int fallback = 0) =>
        int.TryParse(Get(config, key), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : fallback;

    private static double Field(string[] fields, int index, string source, int line, double missing = double.NaN) =>
        index < 0 ? missing : Number(fields[index], source, line);

    private static double Number(string text, string source, int line)
    {
        string t = text.Trim();
        return t switch
        {
            "nan" or "NaN" or "-nan" => double.NaN,
            "inf" or "Inf" or "+inf" => double.PositiveInfinity,
            "-inf" or "-Inf" => double.NegativeInfinity,
            _ => double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
                ? v
                : throw new FormatException($"{source}, line {line}: '{t}' is not a number."),
        };
    }

    private static double Seconds(string text)
    {
        var token = text.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        return double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out double s) ? s : 0;
    }

    private static bool IsSquare(int n)
    {
        int r = (int)Math.Round(Math.Sqrt(n));
        return r * r == n;
    }

    private static double[] Diagonal(List<double> matrix, int d) => Enumerable.Range(0, d).Select(i => matrix[(i * d) + i]).ToArray();
}
