using System.Text.Json;
using Inference.Models;
using Inference.Results;
using Inference.Samplers.Hamiltonian;
using Inference.Samplers.Running;

namespace Inference.Tests.Results;

/// <summary>Stan-CSV read back: our files round-trip exactly, and ours and rstan's summarize as R's posterior package does.</summary>
public sealed class StanCsvReaderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("inference-csv-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData(MetricKind.Diagonal, false)]
    [InlineData(MetricKind.Dense, true)]
    public void OurFiles_RoundTrip(MetricKind metric, bool saveWarmup)
    {
        var draws = ChainRunner.Nuts(EightSchools.NonCentered().Compile(), new RunSettings { Chains = 2, Warmup = 120, Draws = 60, Seed = 2, Metric = metric, SaveWarmup = saveWarmup });
        var back = StanCsvReader.Read(StanCsvWriter.WriteAll(draws, _folder));
        Assert.Equal(draws.Names, back.Names);
        Assert.True(back.Completed);
        Assert.Equal(draws.Info, back.Info);
        for (int c = 0; c < 2; c++)
        {
            var (a, b) = (draws.Chains[c], back.Chains[c]);
            Assert.Equal(a.Values.AsSpan(0, a.Draws * a.Columns).ToArray(), b.Values);
            Assert.Equal(a.Stats.Take(a.Draws), b.Stats);
            Assert.Equal(a.StepSize, b.StepSize);
            Assert.Equal(a.InverseMetricDiagonal, b.InverseMetricDiagonal);
            Assert.Equal(a.InverseMetricMatrix, b.InverseMetricMatrix);
            Assert.Equal(a.WarmupDraws, b.WarmupDraws);
            Assert.Equal(a.WarmupValues, b.WarmupValues);
        }
    }

    [Theory]
    [InlineData("ours")]
    [InlineData("rstan")]
    public void Fixtures_SummarizeAsPosteriorDoes(string folder)
    {
        string dir = ReferenceData.Path("fixtures", "stan-csv", folder);
        using var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "summary.json")));
        var files = expected.RootElement.GetProperty("files").EnumerateArray().Select(f => Path.Combine(dir, f.GetString()!)).ToArray();
        var draws = StanCsvReader.Read(files, includeLogDensity: true);
        Assert.Equal(200, draws.CommonDraws);
        Assert.Equal("lp__", draws.Names[0]);
        var summary = draws.Summary();
        foreach (var v in expected.RootElement.GetProperty("variables").EnumerateArray())
        {
            var row = summary[v.GetProperty("variable").GetString()!];
            double[] ours = [row.Mean, row.Sd, row.Mcse, row.Q5, row.Q50, row.Q95, row.Rhat, row.EssBulk, row.EssTail];
            string[] fields = ["mean", "sd", "mcse_mean", "q5", "q50", "q95", "rhat", "ess_bulk", "ess_tail"];
            for (int k = 0; k < fields.Length; k++)
            {
                double r = v.GetProperty(fields[k]).GetDouble();
                Assert.True(Math.Abs(ours[k] - r) <= 1e-9 * Math.Max(1, Math.Abs(r)), $"{row.Variable} {fields[k]}: {ours[k]} vs posterior {r}");
            }
        }
    }

    [Fact]
    public void RstanFile_KeepsItsWarmupApart_AndItsAdaptation()
    {
        var draws = StanCsvReader.Read([ReferenceData.Path("fixtures", "stan-csv", "rstan", "samples_1.csv")]);
        var chain = draws.Chains[0];
        Assert.Equal(300, chain.WarmupDraws);
        Assert.Equal(200, chain.Draws);
        Assert.Equal(0.397766, chain.StepSize);
        Assert.Equal(10, chain.InverseMetricDiagonal.Count);
        Assert.Equal("theta[8]", draws.Names[^1]);
    }

    public static TheoryData<string, string> Malformed() => new()
    {
        { "a,b\n1,2\n", "no lp__ column" },
        { "# comment only\n", "no header line" },
        { "lp__,x\n1,2\n3\n", "line 3: 1 values for 2 columns" },
        { "lp__,x\n1,2\n3,abc\n", "line 3: 'abc' is not a number" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void MalformedFiles_AreRefusedWithTheLine(string text, string message)
    {
        var error = Assert.Throws<FormatException>(() => StanCsvReader.Read(new StringReader(text), "bad.csv"));
        Assert.Contains("bad.csv", error.Message, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NonFiniteValues_AreRead()
    {
        var draws = StanCsvReader.Read(new StringReader("lp__,x.1,x.2\n-1,nan,inf\n-2,-inf,1.5\n"));
        Assert.Equal(["x[1]", "x[2]"], draws.Names);
        Assert.True(double.IsNaN(draws.Chains[0][0, 0]));
        Assert.Equal(double.PositiveInfinity, draws.Chains[0][0, 1]);
        Assert.Equal(double.NegativeInfinity, draws.Chains[0][1, 0]);
        Assert.Equal("L[2,1]", StanCsvReader.StanName("L.2.1"));
        Assert.Equal("a.b", StanCsvReader.StanName("a.b"));
    }
}
