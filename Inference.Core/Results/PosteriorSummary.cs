using System.Globalization;
using System.Text;
using Inference.Diagnostics;

namespace Inference.Results;

/// <summary>One row of a <see cref="PosteriorSummary"/> (R-hat and ESS are NaN for independent draws).</summary>
public readonly record struct SummaryRow(string Variable, double Mean, double Sd, double Mcse, double Q5, double Q50, double Q95, double Rhat, double EssBulk, double EssTail);

/// <summary>
/// A summary table like Stan's and posterior's, with warnings in words. Chains of a cancelled run may hold different
/// numbers of draws: every row uses the first <see cref="CommonDraws"/> draws of each chain that has any, and a
/// warning says so.
/// </summary>
public sealed class PosteriorSummary
{
    /// <summary>Below this many draws per chain R-hat and ESS are not computed (posterior needs at least 3; split halves 2 each).</summary>
    public const int MinimumDrawsForDiagnostics = 4;

    private PosteriorSummary(IReadOnlyList<SummaryRow> rows, IReadOnlyList<string> warnings, bool independent, IReadOnlyList<int> drawsPerChain, int commonDraws)
    {
        Rows = rows;
        Warnings = warnings;
        AreIndependent = independent;
        DrawsPerChain = drawsPerChain;
        CommonDraws = commonDraws;
    }

    /// <summary>One row per column of the draws.</summary>
    public IReadOnlyList<SummaryRow> Rows { get; }

    /// <summary>
    /// What should stop a user trusting the numbers, in words: R-hat above 1.01, ESS below 400, R-hat or ESS that could
    /// not be computed, divergences, tree-depth saturation, E-BFMI below 0.3, stuck chains, unequal chains,
    /// cancellation.
    /// </summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>True for a summary of independent draws (MCSE = sd/√n; no R-hat or ESS).</summary>
    public bool AreIndependent { get; }

    /// <summary>Draws each chain made (all chains, in order).</summary>
    public IReadOnlyList<int> DrawsPerChain { get; }

    /// <summary>Draws per chain the rows use (see <see cref="PosteriorDraws.CommonDraws"/>).</summary>
    public int CommonDraws { get; }

    /// <summary>The row of <paramref name="variable"/>.</summary>
    /// <exception cref="KeyNotFoundException">No row has that name.</exception>
    public SummaryRow this[string variable]
    {
        get
        {
            ArgumentNullException.ThrowIfNull(variable);
            foreach (var r in Rows)
            {
                if (r.Variable == variable)
                {
                    return r;
                }
            }

            throw VariableNames.NotFound(variable, Rows.Select(r => r.Variable).ToArray());
        }
    }

    internal static PosteriorSummary Compute(PosteriorDraws draws, int maxTreeDepth)
    {
        int n = draws.CommonDraws;
        var used = draws.DiagnosedChains;
        bool independent = draws.AreIndependent;
        bool diagnose = !independent && n >= MinimumDrawsForDiagnostics;
        var rows = new List<SummaryRow>(draws.Names.Count);
        var nonFinite = new List<string>();
        var constant = new List<string>();
        for (int j = 0; j < draws.Names.Count; j++)
        {
            string name = draws.Names[j];
            if (n == 0)
            {
                rows.Add(new SummaryRow(name, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN));
                continue;
            }

            var x = draws.Column(j);
            int total = n * x.Length;
            if (x.Any(chain => chain.Any(v => !double.IsFinite(v))))
            {
                nonFinite.Add(name);
            }
            else if (total > 1 && DrawMatrix.ShouldReturnNaN(x))
            {
                constant.Add(name);
            }

            double sd = total > 1 ? Summaries.StandardDeviation(x) : double.NaN;
            double mcse = independent ? sd / Math.Sqrt(total) : diagnose ? Summaries.McseMean(x) : double.NaN;
            rows.Add(new SummaryRow(
                name,
                Summaries.Mean(x),
                sd,
                mcse,
                Summaries.Quantile(x, 0.05),
                Summaries.Quantile(x, 0.5),
                Summaries.Quantile(x, 0.95),
                diagnose ? Convergence.Rhat(x) : double.NaN,
                diagnose ? Convergence.EssBulk(x) : double.NaN,
                diagnose ? Convergence.EssTail(x) : double.NaN));
        }

        var warnings = new List<string>();
        var counts = draws.Chains.Select(c => c.Draws).ToArray();
        if (n == 0)
        {
            warnings.Add("No draws were made (the run stopped before sampling began): there is nothing to summarize.");
        }
        else
        {
            AddCoverageWarnings(draws, counts, warnings);
            AddValueWarnings(nonFinite, constant, independent, warnings);
            if (!independent)
            {
                AddChainWarnings(draws, rows, n, diagnose, maxTreeDepth, warnings);
            }
        }

        if (!draws.Completed)
        {
            warnings.Add("The run was cancelled: these are the draws made before it stopped.");
        }

        return new PosteriorSummary(rows, warnings, independent, counts, n);
    }

    private static void AddCoverageWarnings(PosteriorDraws draws, int[] counts, List<string> warnings)
    {
        if (counts.All(c => c == counts[0]))
        {
            return;
        }

        var used = draws.DiagnosedChains;
        var empty = Enumerable.Range(0, counts.Length).Where(c => counts[c] == 0).Select(c => c + 1).ToArray();
        string none = empty.Length > 0 ? "; " + ChainList(empty) + " made no draws" : string.Empty;
        warnings.Add(Invariant(
            $"The chains hold different numbers of draws ({string.Join(", ", counts)}): the summary uses the first {draws.CommonDraws} draws of {ChainList(used.Select(c => c + 1))} ({draws.CommonDraws * used.Count} of {draws.TotalDraws}){none}. Every draw is kept in the draws and in the files written from them."));
    }

    private static void AddValueWarnings(List<string> nonFinite, List<string> constant, bool independent, List<string> warnings)
    {
        if (nonFinite.Count > 0)
        {
            warnings.Add($"Draws of {nonFinite.Count} variable(s) are NaN or infinite: {Shorten(nonFinite)}. Their means, quantiles, R-hat and ESS are not valid.");
        }

        if (constant.Count > 0 && !independent)
        {
            warnings.Add($"{constant.Count} variable(s) never changed, so R-hat and ESS are undefined: {Shorten(constant)}. That is expected of a quantity fixed by the data; a parameter that never moves has not been sampled.");
        }
    }

    private static void AddChainWarnings(PosteriorDraws draws, List<SummaryRow> rows, int n, bool diagnose, int maxTreeDepth, List<string> warnings)
    {
        var used = draws.DiagnosedChains;
        if (!diagnose)
        {
            warnings.Add(Invariant($"Only {n} draw(s) per chain: too few for R-hat and ESS (at least {MinimumDrawsForDiagnostics} are needed, and hundreds for reliable estimates)."));
        }
        else
        {
            var highRhat = rows.Where(r => r.Rhat > 1.01).Select(r => r.Variable).ToArray();
            if (highRhat.Length > 0)
            {
                warnings.Add($"R-hat above 1.01 for {highRhat.Length} variable(s): {Shorten(highRhat)}. The chains have not mixed; do not use these draws.");
            }

            var lowEss = rows.Where(r => r.EssBulk < 400 || r.EssTail < 400).Select(r => r.Variable).ToArray();
            if (lowEss.Length > 0)
            {
                warnings.Add($"Bulk or tail ESS below 400 for {lowEss.Length} variable(s): {Shorten(lowEss)}. Run longer chains for reliable estimates.");
            }
        }

        int divergences = draws.Divergences;
        if (divergences > 0)
        {
            warnings.Add(Invariant($"{divergences} of {n * used.Count} transitions after warmup diverged: the posterior has regions the sampler cannot explore; reparameterize or raise the target acceptance."));
        }

        if (maxTreeDepth > 0)
        {
            int hits = draws.TreeDepthHits(maxTreeDepth);
            if (hits > 0)
            {
                warnings.Add(Invariant($"{hits} transitions hit the maximum tree depth {maxTreeDepth}: efficiency is limited."));
            }
        }

        var bfmi = draws.EnergyBfmi();
        for (int k = 0; k < bfmi.Length; k++)
        {
            if (bfmi[k] < 0.3)
            {
                warnings.Add(Invariant($"Chain {used[k] + 1}: E-BFMI {bfmi[k]:F2} below 0.3: momentum resampling explores the energy poorly."));
            }
        }

        AddStuckChainWarnings(draws, n, warnings);
    }

    /// <summary>A chain that never moved, or whose step size collapsed far below the others', is named with the reason.</summary>
    private static void AddStuckChainWarnings(PosteriorDraws draws, int n, List<string> warnings)
    {
        var used = draws.DiagnosedChains;
        var stepSizes = used.Select(c => draws.Chains[c].StepSize).ToArray();
        for (int k = 0; k < used.Count; k++)
        {
            var chain = draws.Chains[used[k]];
            if (n >= 2 && NeverMoved(chain, n))
            {
                warnings.Add(Invariant(
                    $"Chain {used[k] + 1} did not move: its {n} draws are all identical (every proposal was rejected; step size {chain.StepSize:G3}). Its draws are not usable: check its initial values and the model at that point."));
                continue;
            }

            var others = stepSizes.Where((_, i) => i != k && stepSizes[i] > 0).ToArray();
            if (others.Length == 0 || !(stepSizes[k] > 0))
            {
                continue;
            }

            double median = Summaries.Quantile(others, 0.5);
            if (stepSizes[k] < median / 10)
            {
                warnings.Add(Invariant(
                    $"Chain {used[k] + 1} is stuck: its step size adapted to {stepSizes[k]:G3} against {others.Min():G3}–{others.Max():G3} in the other chains, so it barely moves (a region of extreme curvature, or a poor mode). Do not use its draws; re-run with other initial values or reparameterize."));
            }
        }
    }

    private static bool NeverMoved(ChainDraws chain, int n)
    {
        var first = chain.Values.AsSpan(0, chain.Columns);
        for (int i = 1; i < n; i++)
        {
            if (!chain.Values.AsSpan(i * chain.Columns, chain.Columns).SequenceEqual(first))
            {
                return false;
            }
        }

        return true;
    }

    private static string ChainList(IEnumerable<int> chains)
    {
        var list = chains.ToArray();
        return (list.Length == 1 ? "chain " : "chains ") + (list.Length <= 2 ? string.Join(" and ", list) : string.Join(", ", list[..^1]) + " and " + list[^1]);
    }

    private static string Shorten(IReadOnlyList<string> names) => names.Count <= 6 ? string.Join(", ", names) : string.Join(", ", names.Take(6)) + ", …";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>The table as text, one row per variable, then the warnings.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        int width = Math.Max(8, Rows.Count == 0 ? 8 : Rows.Max(r => r.Variable.Length));
        sb.Append("variable".PadRight(width)).Append("      mean        sd      mcse        q5       q50       q95");
        sb.AppendLine(AreIndependent ? string.Empty : "    rhat  ess_bulk  ess_tail");
        foreach (var r in Rows)
        {
            sb.Append(r.Variable.PadRight(width)).Append(Invariant($" {F(r.Mean)} {F(r.Sd)} {F(r.Mcse)} {F(r.Q5)} {F(r.Q50)} {F(r.Q95)}"));
            if (!AreIndependent)
            {
                sb.Append(Invariant($" {r.Rhat,7:F3} {r.EssBulk,9:F0} {r.EssTail,9:F0}"));
            }

            sb.AppendLine();
        }

        foreach (var w in Warnings)
        {
            sb.Append("Warning: ").AppendLine(w);
        }

        return sb.ToString();
    }

    private static string F(double v) => FormatValue(v).PadLeft(9);

    /// <summary>
    /// How the table prints an estimate: three decimals, or three significant digits in exponent form beyond 10⁵ or
    /// below 10⁻³ ("NaN" when it could not be computed).
    /// </summary>
    public static string FormatValue(double value) => Math.Abs(value) >= 1e5 || (Math.Abs(value) < 1e-3 && value != 0)
        ? value.ToString("0.00E+0", CultureInfo.InvariantCulture)
        : value.ToString("F3", CultureInfo.InvariantCulture);
}
