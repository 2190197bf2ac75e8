using System.Text.Json;
using Inference.Diagnostics;

namespace Inference.Tests.Diagnostics;

/// <summary>Every diagnostic against R's posterior package on the fixture draw sets (reference/fixtures/diagnostics).</summary>
public class PosteriorFixtureTests
{
    public static TheoryData<string> Cases() =>
    [
        "a_iid_normal", "b_ar1_phi09", "c_shifted_chain", "d_different_scales", "e_cauchy", "f_short_odd", "g_constant_chain", "h_all_constant",
    ];

    private static readonly Dictionary<string, Func<double[][], double>> Diagnostics = new()
    {
        ["mean"] = Summaries.Mean,
        ["sd"] = Summaries.StandardDeviation,
        ["rhat"] = Convergence.Rhat,
        ["rhat_bulk"] = Convergence.RhatBulk,
        ["rhat_tail"] = Convergence.RhatTail,
        ["rhat_basic"] = c => Convergence.RhatBasic(c),
        ["rhat_basic_nosplit"] = c => Convergence.RhatBasic(c, split: false),
        ["ess_bulk"] = Convergence.EssBulk,
        ["ess_tail"] = Convergence.EssTail,
        ["ess_basic"] = c => Convergence.EssBasic(c),
        ["ess_basic_nosplit"] = c => Convergence.EssBasic(c, split: false),
        ["ess_mean"] = Convergence.EssMean,
        ["ess_sd"] = Convergence.EssSd,
        ["ess_median"] = Convergence.EssMedian,
        ["ess_q5"] = c => Convergence.EssQuantile(c, 0.05),
        ["ess_q95"] = c => Convergence.EssQuantile(c, 0.95),
        ["mcse_mean"] = Summaries.McseMean,
        ["mcse_sd"] = Summaries.McseSd,
        ["mcse_median"] = Summaries.McseMedian,
        ["mcse_q5"] = c => Summaries.McseQuantile(c, 0.05),
        ["mcse_q95"] = c => Summaries.McseQuantile(c, 0.95),
        ["q5"] = c => Summaries.Quantile(c, 0.05),
        ["q50"] = c => Summaries.Quantile(c, 0.5),
        ["q95"] = c => Summaries.Quantile(c, 0.95),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryDiagnostic_MatchesPosterior(string name)
    {
        using var fixture = ReferenceData.Json("fixtures", "diagnostics", name + ".json");
        var root = fixture.RootElement;
        var draws = root.GetProperty("draws").EnumerateArray().Select(c => c.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
        var expected = root.GetProperty("expected");
        var failures = new List<string>();
        int compared = 0;
        foreach (var (key, diagnostic) in Diagnostics)
        {
            var e = expected.GetProperty(key);
            double actual = diagnostic(draws);
            compared++;
            if (e.ValueKind == JsonValueKind.Null)
            {
                if (!double.IsNaN(actual))
                {
                    failures.Add($"{key}: expected NA, got {actual:R}");
                }

                continue;
            }

            double want = e.GetDouble();
            if (!(Math.Abs(actual - want) <= 1e-12 * Math.Max(1, Math.Abs(want))))
            {
                failures.Add($"{key}: {actual:R} vs posterior {want:R} (rel {Math.Abs(actual - want) / Math.Max(1, Math.Abs(want)):E1})");
            }
        }

        Assert.Equal(24, compared);
        Assert.True(failures.Count == 0, name + ":\n" + string.Join("\n", failures));
    }
}
