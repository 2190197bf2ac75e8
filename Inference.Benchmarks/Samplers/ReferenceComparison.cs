using System.Globalization;
using System.Text.Json;
using Inference.Diagnostics;
using Inference.Results;

namespace Inference.Benchmarks.Samplers;

/// <summary>
/// Draws against a reference posterior (reference/posteriors/NAME/reference.json): the worst z = |estimate − ref| /
/// MCSE over every parameter for the mean and the 5% and 95% quantiles (the reference's own MCSE combined when it
/// gives one), the smallest bulk ESS, and the share of divergent transitions among the local ones.
/// </summary>
internal sealed record ReferenceComparison(double MaxZMean, string WorstMean, double MaxZQuantile, string WorstQuantile, double EssBulkMin, double EssTailMin, double RhatMax, double DivergentShare)
{
    public static ReferenceComparison Of(PosteriorDraws draws, string posterior)
    {
        using var reference = ReferenceData.Json("posteriors", posterior, "reference.json");
        double zMean = 0, zQuantile = 0, essMin = double.PositiveInfinity, tailMin = double.PositiveInfinity, rhatMax = 0;
        string worstMean = "", worstQuantile = "";
        foreach (var p in reference.RootElement.GetProperty("parameters").EnumerateArray())
        {
            string name = p.GetProperty("name").GetString()!;
            var x = draws.Column(name);
            double refMcse = p.TryGetProperty("mcse_mean_ref", out var r) ? r.GetDouble() : 0;
            double mcse = Math.Sqrt(Math.Pow(Summaries.McseMean(x), 2) + (refMcse * refMcse));
            double z = Math.Abs(Summaries.Mean(x) - p.GetProperty("mean").GetDouble()) / mcse;
            if (!(z <= zMean))
            {
                zMean = z;
                worstMean = name;
            }

            foreach (var (key, prob) in new[] { ("q5", 0.05), ("q95", 0.95) })
            {
                // the reference draws' own quantile error: about the same MCSE scaled by their ESS when given
                double refQ = p.TryGetProperty("ess_bulk_ref", out var e) ? Summaries.McseQuantile(x, prob) * Math.Sqrt(Convergence.EssBulk(x) / e.GetDouble()) : 0;
                double mq = Math.Sqrt(Math.Pow(Summaries.McseQuantile(x, prob), 2) + (refQ * refQ));
                double zq = Math.Abs(Summaries.Quantile(x, prob) - p.GetProperty(key).GetDouble()) / mq;
                if (!(zq <= zQuantile))
                {
                    zQuantile = zq;
                    worstQuantile = $"{name} {key}";
                }
            }

            essMin = Math.Min(essMin, Convergence.EssBulk(x));
            tailMin = Math.Min(tailMin, Convergence.EssTail(x));
            rhatMax = Math.Max(rhatMax, Convergence.Rhat(x));
        }

        // the share among local transitions (global independence moves have no trajectory to diverge; their energy is NaN)
        int local = draws.Chains.Sum(c => c.Stats.Take(c.Draws).Count(s => !double.IsNaN(s.Energy)));
        return new ReferenceComparison(zMean, worstMean, zQuantile, worstQuantile, essMin, tailMin, rhatMax, local == 0 ? double.NaN : (double)draws.Divergences / local);
    }

    public bool Unbiased => MaxZMean < 4 && MaxZQuantile < 4;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"z(mean) {MaxZMean:F1} ({WorstMean}), z(q) {MaxZQuantile:F1} ({WorstQuantile}), ESS {EssBulkMin:F0}, R-hat {RhatMax:F3}, div {100 * DivergentShare:F2}%");
}
