using System.Globalization;
using System.Text.Json;
using Inference.Models;
using Inference.Results;
using Inference.Samplers.Running;

namespace Inference.Tests.Samplers;

public class OutputTests
{
    private static PosteriorDraws SmallRun() => ChainRunner.Nuts(EightSchools.NonCentered().Compile(), new RunSettings { Seed = 3, Chains = 2, Warmup = 150, Draws = 100 });

    [Fact]
    public void StanCsv_HasCmdStanLayout_AndRoundTripsTheDraws()
    {
        var trace = SmallRun();
        var writer = new StringWriter(CultureInfo.InvariantCulture);
        StanCsvWriter.Write(trace, 1, writer);
        var lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines.First(l => !l.StartsWith('#')).Split(',');
        Assert.Equal(["lp__", "accept_stat__", "stepsize__", "treedepth__", "n_leapfrog__", "divergent__", "energy__", "theta_trans.1"], header.Take(8));
        Assert.Equal("theta.8", header[^1]);
        Assert.Equal(7 + trace.Names.Count, header.Length);
        Assert.Contains("# method = sample (Default)", lines);
        Assert.Contains("#     num_samples = 100", lines);
        Assert.Contains("#     num_warmup = 150", lines);
        Assert.Contains("#         metric = diag_e", lines);
        Assert.Contains("# Adaptation terminated", lines);
        Assert.Contains(lines, l => l.StartsWith("#  Elapsed Time:", StringComparison.Ordinal));

        var rows = lines.Where(l => !l.StartsWith('#')).Skip(1).Select(l => l.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        var chain = trace.Chains[1];
        Assert.Equal(chain.Draws, rows.Length);
        for (int i = 0; i < rows.Length; i++)
        {
            Assert.Equal(chain.Stats[i].LogDensity, rows[i][0]);
            Assert.Equal(chain.Stats[i].TreeDepth, rows[i][3]);
            for (int j = 0; j < trace.Names.Count; j++)
            {
                Assert.Equal(chain[i, j], rows[i][7 + j]);
            }
        }

        Assert.Equal("L.2.1", StanCsvWriter.StanColumnName("L[2,1]"));
    }

    [Fact]
    public void JsonSummary_HasEveryVariableAndTheWarnings()
    {
        var trace = SmallRun();
        var summary = trace.Summary();
        using var stream = new MemoryStream();
        JsonSummaryWriter.Write(summary, trace, stream);
        using var doc = JsonDocument.Parse(stream.ToArray());
        var vars = doc.RootElement.GetProperty("variables").EnumerateArray().ToArray();
        Assert.Equal(trace.Names.Count, vars.Length);
        Assert.Equal(summary["mu"].Mean, vars.First(v => v.GetProperty("variable").GetString() == "mu").GetProperty("mean").GetDouble());
        Assert.Equal(summary.Warnings.Count, doc.RootElement.GetProperty("warnings").GetArrayLength());
        Assert.Equal(2, doc.RootElement.GetProperty("chains").GetInt32());
    }

    [Fact]
    public void SummaryTable_PrintsStanColumns_AndWarnsOnShortRuns()
    {
        var summary = SmallRun().Summary();
        string text = summary.ToString();
        Assert.StartsWith("variable", text, StringComparison.Ordinal);
        Assert.Contains("rhat  ess_bulk  ess_tail", text, StringComparison.Ordinal);
        Assert.Contains(summary.Warnings, w => w.Contains("ESS below 400", StringComparison.Ordinal));
    }
}
