using System.Text.Json;
using Inference.Densities;
using Inference.Diagnostics;
using Inference.Models;
using Inference.Results;
using Inference.Samplers.Hamiltonian;
using Inference.Samplers.Running;

namespace Inference.Tests.Samplers;

public class NutsTests
{
    private static readonly RunSettings Stan = new() { Seed = 20240611 };

    private static ILogDensity IidNormal(int d) => LogDensity.FromTape(d, x => -0.5 * Ops.Dot(x, x));

    [Fact]
    public void IidNormal100_MeansAndVariancesWithin4Mcse_AcceptStatNearTarget()
    {
        var trace = ChainRunner.Nuts(IidNormal(100), Stan);
        Assert.True(trace.Completed);
        var failures = new List<string>();
        for (int j = 0; j < 100; j++)
        {
            var x = trace.Column(j);
            double mean = Summaries.Mean(x), mcse = Summaries.McseMean(x);
            Assert.True(Convergence.EssBulk(x) > 100, "ESS too small to trust the MCSE");
            if (Math.Abs(mean) > 4 * mcse)
            {
                failures.Add($"mean x[{j}] = {mean:F4}, MCSE {mcse:F4}");
            }

            var squares = x.Select(c => c.Select(v => v * v).ToArray()).ToArray();
            double variance = Summaries.Mean(squares), mcseVariance = Summaries.McseMean(squares);
            if (Math.Abs(variance - 1) > 4 * mcseVariance)
            {
                failures.Add($"E x[{j}]² = {variance:F4}, MCSE {mcseVariance:F4}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        double accept = trace.Chains.SelectMany(c => c.Stats).Average(s => s.AcceptStat);
        Assert.InRange(accept, 0.7, 0.9);
        Assert.Equal(0, trace.Divergences);
    }

    public static TheoryData<string, double> SoundPosteriors() => new()
    {
        { "eight_schools-eight_schools_noncentered", 0.7 },
        { "kidiq-kidscore_momiq", 0.7 },
        { "sblrc-blr", 0.7 },
        { "synth-gauss100_rot", 0.7 },
    };

    /// <summary>
    /// 4 chains × 1000 draws after 1000 warmup: every reference mean within 4 combined MCSEs (ours and the
    /// reference's), R-hat below 1.01, and bulk ESS per 1000 gradients at least 0.7× Stan's (diagonal metric). One run's
    /// smallest ESS_bulk varies from seed to seed by about 15% (sd over mean; eight schools non-centered, 20 seeds:
    /// 54–94 per 1000 gradients, median 70, against Stan's 66): 0.7× is two such sd below Stan's figure. Efficiency
    /// against Stan over many seeds is measured by tools/stan-side-by-side.R, not here.
    /// </summary>
    [Theory]
    [MemberData(nameof(SoundPosteriors))]
    public void ReferencePosterior_MatchesReferenceAndStanEfficiency(string posterior, double efficiencyRatio)
    {
        var model = PosteriorCatalog.Load(posterior, ReferenceData.Posteriors).Compile();
        var trace = ChainRunner.Nuts(model, Stan);
        using var reference = ReferenceData.Json("posteriors", posterior, "reference.json");
        using var stan = ReferenceData.Json("posteriors", posterior, "stan.json");
        var failures = new List<string>();
        double essMin = double.PositiveInfinity;
        foreach (var p in reference.RootElement.GetProperty("parameters").EnumerateArray())
        {
            string name = p.GetProperty("name").GetString()!;
            var x = trace.Column(name);
            double mean = Summaries.Mean(x), mcse = Summaries.McseMean(x);
            double refMcse = p.TryGetProperty("mcse_mean_ref", out var r) ? r.GetDouble() : 0;
            double se = Math.Sqrt((mcse * mcse) + (refMcse * refMcse));
            double refMean = p.GetProperty("mean").GetDouble();
            if (Math.Abs(mean - refMean) > 4 * se)
            {
                failures.Add($"{name}: mean {mean:F4} vs reference {refMean:F4} (4·MCSE = {4 * se:F4})");
            }

            double rhat = Convergence.Rhat(x);
            if (!(rhat < 1.01))
            {
                failures.Add($"{name}: R-hat {rhat:F4}");
            }

            essMin = Math.Min(essMin, Convergence.EssBulk(x));
        }

        double perThousand = 1000 * essMin / trace.SamplingGradients;
        double stanFigure = stan.RootElement.GetProperty("stan_nuts").GetProperty("ess_bulk_per_1000_grads").GetDouble();
        if (perThousand < efficiencyRatio * stanFigure)
        {
            failures.Add($"ESS_bulk per 1000 gradients {perThousand:F2} < {efficiencyRatio}× Stan's {stanFigure:F2}");
        }

        Assert.True(failures.Count == 0, posterior + ":\n" + string.Join("\n", failures));
    }

    [Fact]
    public void DenseMetric_OnRotatedGaussian_AtLeastStansDenseEfficiency()
    {
        const string Posterior = "synth-gauss100_rot";
        var model = PosteriorCatalog.Load(Posterior, ReferenceData.Posteriors).Compile();
        var trace = ChainRunner.Nuts(model, new RunSettings { Seed = 20240611, Metric = MetricKind.Dense });
        double essMin = Enumerable.Range(0, model.Layout.ParameterNames.Count).Min(j => Convergence.EssBulk(trace.Column(j)));
        double perThousand = 1000 * essMin / trace.SamplingGradients;
        using var stan = ReferenceData.Json("posteriors", Posterior, "stan.json");
        double stanDense = stan.RootElement.GetProperty("stan_nuts_dense_e").GetProperty("ess_bulk_per_1000_grads").GetDouble();
        Assert.True(perThousand >= stanDense, $"dense: {perThousand:F2} ESS_bulk per 1000 gradients vs Stan's {stanDense:F2}");
    }

    /// <summary>
    /// Where Stan itself fails (the shared reference README: centered eight schools, the funnel's neck, the
    /// banana's tails, where Stan's x2 sd is half the truth), NUTS must say so rather than return confident draws.
    /// </summary>
    [Theory]
    [InlineData("eight_schools-eight_schools_centered")]
    [InlineData("synth-funnel10")]
    [InlineData("synth-rosenbrock2")]
    public void HardPosteriors_ReportTheirDivergences(string posterior)
    {
        var model = PosteriorCatalog.Load(posterior, ReferenceData.Posteriors).Compile();
        var trace = ChainRunner.Nuts(model, Stan);
        Assert.True(trace.Divergences > 0, "these funnels must produce divergences with Stan's settings");
        Assert.Contains(trace.Summary().Warnings, w => w.Contains("diverged", StringComparison.Ordinal));
    }

    [Fact]
    public void DenseMetric_OnStronglyCorrelatedGaussian_IsAtLeastFiveTimesMoreEfficient()
    {
        var density = LogDensity.FromTape(2, x =>
        {
            // ρ = 0.99, unit variances: precision = [[1, −ρ], [−ρ, 1]]/(1 − ρ²)
            const double Rho = 0.99;
            var a = Ops.Slice(x, 0, 1);
            var b = Ops.Slice(x, 1, 1);
            return Ops.Sum(-0.5 / (1 - (Rho * Rho)) * (Ops.Square(a) + Ops.Square(b) - (2 * Rho * a * b)));
        });
        double Efficiency(MetricKind kind)
        {
            var trace = ChainRunner.Nuts(density, new RunSettings { Seed = 7, Metric = kind });
            return Math.Min(Convergence.EssBulk(trace.Column(0)), Convergence.EssBulk(trace.Column(1))) / trace.SamplingGradients;
        }

        double diag = Efficiency(MetricKind.Diagonal), dense = Efficiency(MetricKind.Dense);
        Assert.True(dense >= 5 * diag, $"dense {dense * 1000:F2} vs diagonal {diag * 1000:F2} ESS per 1000 gradients");
    }

    [Fact]
    public void SameSeed_SameDraws_WhetherChainsRunInParallelOrOneByOne()
    {
        var model = EightSchools.NonCentered().Compile();
        var settings = new RunSettings { Seed = 99, Warmup = 200, Draws = 200, MaxDegreeOfParallelism = 4 };
        var parallel = ChainRunner.Nuts(model, settings);
        var sequential = ChainRunner.Nuts(model, new RunSettings { Seed = 99, Warmup = 200, Draws = 200, MaxDegreeOfParallelism = 1 });
        var other = ChainRunner.Nuts(model, new RunSettings { Seed = 100, Warmup = 200, Draws = 200 });
        for (int c = 0; c < 4; c++)
        {
            Assert.Equal(parallel.Chains[c].Values, sequential.Chains[c].Values);
        }

        Assert.NotEqual(parallel.Chains[0].Values, other.Chains[0].Values);
        Assert.NotEqual(parallel.Chains[0].Values, parallel.Chains[1].Values);
    }

    [Fact]
    public void Cancellation_ReturnsTheDrawsSoFar_MarkedIncomplete()
    {
        using var cts = new CancellationTokenSource();
        var progress = new CancelAt(cts, iteration: 1300);
        var trace = ChainRunner.Nuts(EightSchools.NonCentered().Compile(), new RunSettings { Seed = 5, Chains = 1 }, progress: progress, cancellationToken: cts.Token);
        Assert.False(trace.Completed);
        Assert.InRange(trace.Chains[0].Draws, 1, 999);
        Assert.Contains(trace.Summary().Warnings, w => w.Contains("cancelled", StringComparison.Ordinal));
        Assert.True(progress.Reports > 10);
    }

    [Fact]
    public void NaNLogDensity_IsADivergence_NotACrash()
    {
        // N(0, 1) whose log-density is NaN above 1: every step into that region must be rejected.
        var density = LogDensity.FromDelegates(
            1,
            x => x[0] > 1 ? double.NaN : -0.5 * x[0] * x[0],
            (x, g) =>
            {
                g[0] = x[0] > 1 ? double.NaN : -x[0];
                return x[0] > 1 ? double.NaN : -0.5 * x[0] * x[0];
            });
        var trace = ChainRunner.Nuts(density, new RunSettings { Seed = 11, InitRadius = 0.5 });
        Assert.True(trace.Divergences > 0);
        Assert.All(trace.Column(0).SelectMany(c => c), v => Assert.True(v <= 1));
    }

    [Fact]
    public void BadSettings_NameTheSetting()
    {
        var model = EightSchools.NonCentered().Compile();
        Assert.Equal("Chains", Assert.Throws<ArgumentOutOfRangeException>(() => ChainRunner.Nuts(model, new RunSettings { Chains = 0 })).ParamName);
        Assert.Equal("TargetAcceptance", Assert.Throws<ArgumentOutOfRangeException>(() => ChainRunner.Nuts(model, new RunSettings { TargetAcceptance = 1 })).ParamName);
        Assert.Equal("InitialPositions", Assert.Throws<ArgumentException>(() => ChainRunner.Nuts(model, new RunSettings { Chains = 2, InitialPositions = [new double[10]] })).ParamName);
        Assert.Equal("MaxTreeDepth", Assert.Throws<ArgumentOutOfRangeException>(() => new Inference.Samplers.Kernels.Nuts(new() { MaxTreeDepth = 0 })).ParamName);
    }

    private sealed class CancelAt(CancellationTokenSource cts, int iteration) : IProgress<ChainProgress>
    {
        public int Reports { get; private set; }

        public void Report(ChainProgress value)
        {
            Reports++;
            if (value.Iteration >= iteration)
            {
                cts.Cancel();
            }
        }
    }
}
