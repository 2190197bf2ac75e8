using System.Text.Json;
using Inference.Diagnostics;
using Inference.Randomness;

namespace Inference.Tests.Diagnostics;

/// <summary>PSIS against R's loo 2.5.1 on the fixtures (reference/fixtures/psis).</summary>
public class PsisTests
{
    public static TheoryData<string> Cases() => ["normal_q1_p1.5", "normal_q2_p1", "gpd_k0.5", "gpd_k0.9"];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Smooth_MatchesLoo(string name)
    {
        using var fixture = ReferenceData.Json("fixtures", "psis", name + ".json");
        var root = fixture.RootElement;
        var logRatios = root.GetProperty("log_ratios").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        var e = root.GetProperty("expected");
        var result = Psis.Smooth(logRatios);
        static void Close(double expected, double actual, string what) =>
            Assert.True(Math.Abs(expected - actual) <= 1e-12 * Math.Max(1, Math.Abs(expected)), $"{what}: {actual:R} vs loo {expected:R}");

        Close(e.GetProperty("pareto_k").GetDouble(), result.ParetoK, "pareto_k");
        Close(e.GetProperty("pareto_k_no_prior").GetDouble(), result.ParetoKWithoutPrior, "pareto_k_no_prior");
        Close(e.GetProperty("gpd_sigma").GetDouble(), result.GpdScale, "gpd_sigma");
        Assert.Equal(e.GetProperty("tail_len").GetInt32(), result.TailLength);
        Close(e.GetProperty("cutoff_log_weight").GetDouble(), result.Cutoff, "cutoff");
        Close(e.GetProperty("n_eff").GetDouble(), result.EffectiveSampleSize, "n_eff");
        Close(e.GetProperty("max_normalized_weight").GetDouble(), result.Weights().Max(), "max weight");
        var expected = root.GetProperty("smoothed_log_weights_normalized").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.Equal(expected.Length, result.NormalizedLogWeights.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Close(expected[i], result.NormalizedLogWeights[i], $"log weight {i}");
        }
    }

    [Fact]
    public void KHat_BehavesAsTheTheoryPredicts()
    {
        // q wider than p: bounded weights, k̂ < 0.5; q narrower than p: heavy tail, k̂ ≈ 1 − σq²/σp² = 0.75.
        var rng = new Rng(Seeds.OpInputs);
        const int S = 100000;
        var wide = new double[S];
        var narrow = new double[S];
        for (int i = 0; i < S; i++)
        {
            double x = 2 * rng.Normal();
            wide[i] = (-0.5 * x * x) - (-0.5 * x * x / 4);
            double y = rng.Normal();
            narrow[i] = (-0.5 * y * y / 4) - (-0.5 * y * y);
        }

        Assert.True(Psis.Smooth(wide).ParetoK < 0.5);
        Assert.InRange(Psis.Smooth(narrow).ParetoK, 0.55, 0.9);
    }

    [Fact]
    public void BadInput_IsRejected()
    {
        Assert.Equal("logRatios", Assert.Throws<ArgumentException>(() => Psis.Smooth([1.0])).ParamName);
        Assert.Equal("logRatios", Assert.Throws<ArgumentException>(() => Psis.Smooth([1.0, double.NaN, 2.0])).ParamName);
    }
}
