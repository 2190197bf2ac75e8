using Inference.Diagnostics;
using Inference.Distributions;
using Inference.Modeling;
using Inference.Workflow.Comparison;

namespace Inference.Tests.Workflow;

public sealed class SamplerComparisonTests : IDisposable
{
    private const double Q95 = 1.6448536269514722;
    private static readonly Normal Standard = new(0, 1);
    private readonly string _folder = Directory.CreateTempSubdirectory("inference-comparison-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static ComparisonTarget Gaussian(double referenceMean = 0)
    {
        var model = Model.Create("gauss3", m => m.Parameter("x", 3, Standard));
        var exact = new ReferenceMoments(referenceMean, 1, referenceMean - Q95, referenceMean, referenceMean + Q95);
        return ComparisonTarget.FromModel(model, new Dictionary<string, ReferenceMoments> { ["x[1]"] = exact, ["x[2]"] = exact, ["x[3]"] = exact });
    }

    private static readonly ComparisonSettings Small = new() { Chains = 2, Warmup = 300, Draws = 500, Seeds = [3, 4], MaxDegreeOfParallelism = 2 };

    [Fact]
    public void EverySamplerAndSeed_GivesARow_WithTheStandardFigures()
    {
        var report = SamplerComparison.Run([Gaussian()], ["nuts", "mala"], Small);
        Assert.True(report.Completed);
        Assert.Equal(4, report.Rows.Count);
        Assert.Equal(["nuts", "mala"], report.Samplers);
        foreach (var row in report.Rows)
        {
            // a sampler that works on N(0, I) is unbiased: every mean and tail quantile within 4 MCSE of the truth
            Assert.True(row.Unbiased, $"{row.Sampler} seed {row.Seed}: z {row.MaxMeanZ:F2}, {row.MaxQuantileZ:F2}");
            Assert.True(row.RhatMax < 1.05, $"R-hat {row.RhatMax}");
            Assert.Equal(2 * 500, row.Transitions);
        }

        // the efficiency is ESS over the gradients of the draws it was computed from
        var nuts = report.Runs("gauss3", "nuts")[0];
        var draws = ComparisonSamplers.Get("nuts").Run(Gaussian().Density, Small, 3, null, default).Draws;
        double ess = Enumerable.Range(0, 3).Min(j => Convergence.EssBulk(draws.Column(j)));
        Assert.Equal(1000 * ess / draws.SamplingGradients, nuts.EssBulkPer1000Gradients, 1e-9);
        Assert.True(nuts.EssBulkPer1000Gradients > report.Runs("gauss3", "mala")[0].EssBulkPer1000Gradients / 10);
    }

    [Fact]
    public void TheAutomaticCall_IsASamplerOfTheComparison_AndSaysWhatItChose()
    {
        Assert.Contains("auto", ComparisonSamplers.Names);
        var report = SamplerComparison.Run([Gaussian()], ["auto"], Small with { Seeds = [3] });
        var row = Assert.Single(report.Rows);
        Assert.True(row.Unbiased, $"z {row.MaxMeanZ:F2}, {row.MaxQuantileZ:F2}");
        Assert.True(row.Transitions >= 2 * 500, $"{row.Transitions} transitions"); // it may draw more where draws are cheap
        Assert.Contains(row.Warnings, n => n.StartsWith("method: ", StringComparison.Ordinal));
    }

    [Fact]
    public void AWrongReference_IsSeenAsBias()
    {
        var report = SamplerComparison.Run([Gaussian(referenceMean: 0.5)], ["nuts"], Small with { Seeds = [3] });
        Assert.False(report.Rows[0].Unbiased);
        Assert.True(report.Rows[0].MaxMeanZ > 10, $"z {report.Rows[0].MaxMeanZ}");
    }

    [Fact]
    public void TheReferencesOwnError_CountsInZ()
    {
        // a reference from few draws (ESS 50): its mean is 0.25 off the truth, 1.8 of its own MCSE (1/√50 = 0.14);
        // against a sampler's 1000 draws alone that offset is many MCSE, with the reference's error it is not
        var noisy = new ReferenceMoments(0.25, 1, 0.25 - Q95, 0.25, 0.25 + Q95, McseMean: 1 / Math.Sqrt(50), EssBulk: 50);
        var model = Model.Create("gauss3", m => m.Parameter("x", 3, Standard));
        var target = ComparisonTarget.FromModel(model, new Dictionary<string, ReferenceMoments> { ["x[1]"] = noisy, ["x[2]"] = noisy, ["x[3]"] = noisy });
        var row = SamplerComparison.Run([target], ["nuts"], Small with { Seeds = [3] }).Rows[0];
        Assert.True(row.Unbiased, $"z {row.MaxMeanZ:F2}, {row.MaxQuantileZ:F2}");
        var exact = noisy with { McseMean = 0, EssBulk = double.PositiveInfinity };
        var strict = ComparisonTarget.FromModel(model, new Dictionary<string, ReferenceMoments> { ["x[1]"] = exact, ["x[2]"] = exact, ["x[3]"] = exact });
        var judged = SamplerComparison.Run([strict], ["nuts"], Small with { Seeds = [3] }).Rows[0];
        Assert.False(judged.Unbiased, $"z {judged.MaxMeanZ:F2}, {judged.MaxQuantileZ:F2}");
    }

    [Fact]
    public void ReadReference_TakesTheReferencesOwnError_WhereGiven()
    {
        string path = Path.Combine(_folder, "reference.json");
        File.WriteAllText(path, """{"parameters": [{"name": "a", "mean": 1, "sd": 2, "q5": -2, "q50": 1, "q95": 4, "mcse_mean_ref": 0.05, "ess_bulk_ref": 900}, {"name": "b", "mean": 0, "sd": 1, "q5": -1.6, "q50": 0, "q95": 1.6}]}""");
        var reference = ComparisonTarget.ReadReference(path);
        Assert.Equal(0.05, reference["a"].McseMean);
        Assert.Equal(900, reference["a"].EssBulk);
        Assert.Equal(0, reference["b"].McseMean);
        Assert.True(double.IsPositiveInfinity(reference["b"].EssBulk));
    }

    [Fact]
    public void Report_WritesMarkdownHtmlAndPlots()
    {
        var report = SamplerComparison.Run([Gaussian()], ["nuts", "rwm"], Small with { Seeds = [5] });
        var paths = report.Write(_folder);
        Assert.Equal(4, paths.Count);
        Assert.All(paths, p => Assert.True(new FileInfo(p).Length > 200, p));
        string md = File.ReadAllText(Path.Combine(_folder, "report.md"));
        Assert.Contains("| gauss3 | nuts |", md, StringComparison.Ordinal);
        Assert.Contains("| gauss3 | rwm |", md, StringComparison.Ordinal);
        string html = File.ReadAllText(Path.Combine(_folder, "report.html"));
        Assert.Contains("<td>gauss3</td><td>rwm</td>", html, StringComparison.Ordinal);
        Assert.Contains("ess-per-second.svg", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Cancellation_ReturnsTheFinishedRuns()
    {
        using var cts = new CancellationTokenSource();
        var progress = new SynchronousProgress(p =>
        {
            if (p.CellsDone == 1)
            {
                cts.Cancel();
            }
        });
        var report = SamplerComparison.Run([Gaussian()], ["nuts", "mala"], Small, progress, cts.Token);
        Assert.False(report.Completed);
        Assert.Single(report.Rows);
        Assert.Contains("cancelled", report.ToMarkdown(), StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownSamplerOrBadSettings_AreRefusedBeforeAnyRun()
    {
        var error = Assert.Throws<KeyNotFoundException>(() => SamplerComparison.Run([Gaussian()], ["nuts", "slice"], Small));
        Assert.Contains("'slice'", error.Message, StringComparison.Ordinal);
        Assert.Contains("nuts-dense", error.Message, StringComparison.Ordinal);
        Assert.Equal("Seeds", Assert.Throws<ArgumentException>(() => SamplerComparison.Run([Gaussian()], ["nuts"], Small with { Seeds = [] })).ParamName);
        Assert.Equal("Draws", Assert.Throws<ArgumentOutOfRangeException>(() => SamplerComparison.Run([Gaussian()], ["nuts"], Small with { Draws = 2 })).ParamName);
    }

    private sealed class SynchronousProgress(Action<ComparisonProgress> report) : IProgress<ComparisonProgress>
    {
        public void Report(ComparisonProgress value) => report(value);
    }
}
