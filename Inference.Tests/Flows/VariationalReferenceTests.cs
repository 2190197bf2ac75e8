using Inference.Densities;
using Inference.Flows;
using Inference.Flows.Variational;
using Inference.Models;
using Inference.Randomness;

namespace Inference.Tests.Flows;

/// <summary>
/// VI on the shared reference posteriors, held to the issue's bars: started at the Laplace approximation, a RealNVP's
/// means are closer to the reference than Stan ADVI's (median over its runs, the better of mean-field and
/// full-rank) and PSIS k̂ is below 0.5. Fixed seeds; the figures with more layers and seeds are in vi-report.
/// </summary>
public class VariationalReferenceTests
{
    [Theory]
    [InlineData("eight_schools-eight_schools_noncentered")]
    [InlineData("kidiq-kidscore_momiq")]
    [InlineData("sblrc-blr")]
    public void RealNvp_BeatsStanAdvi_WithGoodParetoK(string posterior)
    {
        var model = PosteriorCatalog.Load(posterior, ReferenceData.Posteriors).Compile();
        using var reference = ReferenceData.Json("posteriors", posterior, "reference.json");
        using var stan = ReferenceData.Json("posteriors", posterior, "stan.json");
        var advi = stan.RootElement.GetProperty("stan_advi");
        double adviZ = Math.Min(advi.GetProperty("meanfield").GetProperty("z_mean_max_median").GetDouble(), advi.GetProperty("fullrank").GetProperty("z_mean_max_median").GetDouble());

        var flow = FlowDistribution.RealNvp(model.Dimension, 4, [32, 32], new Rng(Seeds.Fits)).Whiten(LaplaceApproximation.Fit(model));
        var fit = VariationalFit.Run(flow, model, new VariationalOptions { Iterations = 2000, EvaluationDraws = 8000, Seed = Seeds.Fits });

        double worst = 0;
        foreach (var p in reference.RootElement.GetProperty("parameters").EnumerateArray())
        {
            int j = fit.Names.ToList().IndexOf(p.GetProperty("name").GetString()!);
            Assert.True(j >= 0, $"{p.GetProperty("name").GetString()} is not summarized");
            worst = Math.Max(worst, Math.Abs(fit.Means[j] - p.GetProperty("mean").GetDouble()) / p.GetProperty("sd").GetDouble());
        }

        Assert.True(fit.ParetoK < 0.5, $"{posterior}: k̂ {fit.ParetoK:F2}");
        Assert.True(worst < adviZ, $"{posterior}: max |mean − ref|/sd {worst:F3} vs Stan ADVI {adviZ:F3}");
    }
}
