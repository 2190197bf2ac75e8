using System.Globalization;
using System.Text;

namespace Inference.Results;

/// <summary>
/// Writes one chain of a <see cref="PosteriorDraws"/> as CmdStan writes its output CSV: header comments with the
/// configuration, the columns lp__, accept_stat__, stepsize__, treedepth__, n_leapfrog__, divergent__,
/// energy__ and then the variables with dotted indices (theta.1, L.2.1), the adaptation block (step size
/// and inverse metric), the draws, and the timing footer. cmdstanr, CmdStanPy and ArviZ read it.
/// </summary>
public static class StanCsvWriter
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Writes chain <paramref name="chain"/> (0-based) to <paramref name="writer"/>.</summary>
    public static void Write(PosteriorDraws trace, int chain, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentOutOfRangeException.ThrowIfNegative(chain);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(chain, trace.Chains.Count);
        var info = trace.Info ?? new RunInfo(0, trace.Chains[chain].Draws, 1, false, 0.8, 10, "diag_e", "model");
        var c = trace.Chains[chain];
        var sb = new StringBuilder();
        Line(sb, "# stan_version_major = 2");
        Line(sb, "# stan_version_minor = 21");
        Line(sb, "# stan_version_patch = 0");
        Line(sb, "# inference_library = Inference (C#)");
        Line(sb, $"# model = {info.ModelName}");
        Line(sb, "# method = sample (Default)");
        Line(sb, "#   sample");
        Line(sb, $"#     num_samples = {info.Draws}");
        Line(sb, $"#     num_warmup = {info.Warmup}");
        Line(sb, $"#     save_warmup = {(info.SaveWarmup ? 1 : 0)}");
        Line(sb, $"#     thin = {info.Thin}");
        Line(sb, "#     adapt");
        Line(sb, $"#       engaged = {(info.Warmup > 0 ? 1 : 0)}");
        Line(sb, "#       gamma = 0.050000 (Default)");
        Line(sb, string.Create(Inv, $"#       delta = {info.TargetAcceptance:F6}"));
        Line(sb, "#       kappa = 0.750000 (Default)");
        Line(sb, "#       t0 = 10.000000 (Default)");
        Line(sb, "#       init_buffer = 75 (Default)");
        Line(sb, "#       term_buffer = 50 (Default)");
        Line(sb, "#       window = 25 (Default)");
        Line(sb, $"#     algorithm = hmc (Default)");
        Line(sb, "#       hmc");
        Line(sb, $"#         engine = {trace.Sampler}");
        Line(sb, $"#           {trace.Sampler}");
        Line(sb, $"#             max_depth = {info.MaxTreeDepth}");
        Line(sb, $"#         metric = {info.Metric}");
        Line(sb, "#         metric_file =  (Default)");
        Line(sb, "#         stepsize = 1.000000 (Default)");
        Line(sb, "#         stepsize_jitter = 0.000000 (Default)");
        Line(sb, "#     num_chains = 1 (Default)");
        Line(sb, $"# id = {chain + 1}");
        Line(sb, "# data");
        Line(sb, "#   file =  (Default)");
        Line(sb, "# init = 2 (Default)");
        Line(sb, "# random");
        Line(sb, $"#   seed = {trace.Seed}");
        Line(sb, "# output");
        Line(sb, $"#   file = output_{chain + 1}.csv");
        Line(sb, "#   diagnostic_file =  (Default)");
        Line(sb, "#   refresh = 100 (Default)");
        Line(sb, "#   sig_figs = 17");

        var header = new List<string> { "lp__", "accept_stat__", "stepsize__", "treedepth__", "n_leapfrog__", "divergent__", "energy__" };
        header.AddRange(trace.Names.Select(StanColumnName));
        Line(sb, string.Join(",", header));

        for (int i = 0; i < c.WarmupDraws; i++)
        {
            WriteRow(sb, c.WarmupValues.AsSpan(i * c.Columns, c.Columns), new DrawStats(double.NaN, double.NaN, c.StepSize, 0, 0, false, double.NaN));
        }

        Line(sb, "# Adaptation terminated");
        Line(sb, $"# Step size = {G(c.StepSize)}");
        if (c.InverseMetricMatrix is { } dense)
        {
            Line(sb, "# Elements of inverse mass matrix:");
            int d = c.InverseMetricDiagonal.Count;
            for (int i = 0; i < d; i++)
            {
                Line(sb, "# " + string.Join(", ", Enumerable.Range(0, d).Select(j => G(dense[(i * d) + j]))));
            }
        }
        else
        {
            Line(sb, "# Diagonal elements of inverse mass matrix:");
            Line(sb, "# " + string.Join(", ", c.InverseMetricDiagonal.Select(G)));
        }

        for (int i = 0; i < c.Draws; i++)
        {
            WriteRow(sb, c.Values.AsSpan(i * c.Columns, c.Columns), c.Stats[i]);
        }

        Line(sb, "# ");
        Line(sb, string.Create(Inv, $"#  Elapsed Time: {c.WarmupTime.TotalSeconds:F3} seconds (Warm-up)"));
        Line(sb, string.Create(Inv, $"#                {c.SamplingTime.TotalSeconds:F3} seconds (Sampling)"));
        Line(sb, string.Create(Inv, $"#                {(c.WarmupTime + c.SamplingTime).TotalSeconds:F3} seconds (Total)"));
        Line(sb, "# ");
        writer.Write(sb.ToString());
    }

    /// <summary>
    /// Writes every chain to <c>&lt;directory&gt;/&lt;prefix&gt;_&lt;chain&gt;.csv</c> (a chain of a cancelled run with no draws
    /// gets the header and its adaptation only); returns the paths. Each file is written whole or not at all.
    /// </summary>
    public static IReadOnlyList<string> WriteAll(PosteriorDraws trace, string directory, string prefix = "output")
    {
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory.CreateDirectory(directory);
        var paths = new List<string>();
        for (int c = 0; c < trace.Chains.Count; c++)
        {
            string path = Path.Combine(directory, string.Create(Inv, $"{prefix}_{c + 1}.csv"));
            int chain = c;
            AtomicFile.WriteText(path, writer => Write(trace, chain, writer));
            paths.Add(path);
        }

        return paths;
    }

    /// <summary>Stan's CSV column name: theta[1] → theta.1, L[2,1] → L.2.1.</summary>
    public static string StanColumnName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Replace('[', '.').Replace(",", ".", StringComparison.Ordinal).Replace("]", string.Empty, StringComparison.Ordinal);
    }

    private static void WriteRow(StringBuilder sb, ReadOnlySpan<double> values, DrawStats s)
    {
        sb.Append(G(s.LogDensity)).Append(',').Append(G(s.AcceptStat)).Append(',').Append(G(s.StepSize)).Append(',')
          .Append(s.TreeDepth.ToString(Inv)).Append(',').Append(s.LeapfrogSteps.ToString(Inv)).Append(',')
          .Append(s.Divergent ? '1' : '0').Append(',').Append(G(s.Energy));
        foreach (double v in values)
        {
            sb.Append(',').Append(G(v));
        }

        sb.Append('\n');
    }

    private static string G(double v) => double.IsNaN(v) ? "nan" : double.IsPositiveInfinity(v) ? "inf" : double.IsNegativeInfinity(v) ? "-inf" : v.ToString("R", Inv);

    private static void Line(StringBuilder sb, string text) => sb.Append(text).Append('\n');
}
