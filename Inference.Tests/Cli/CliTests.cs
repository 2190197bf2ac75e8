using System.Globalization;
using System.Text.Json;
using Inference.Cli;
using Inference.Flows;
using Inference.Results;

namespace Inference.Tests.Cli;

/// <summary>The inference tool driven in-process: its outputs, its files and its exit codes.</summary>
public sealed class CliTests : IDisposable
{
    private static readonly string EightSchools = ReferenceData.Path("posteriors", "eight_schools-eight_schools_noncentered");
    private readonly string _folder = Directory.CreateTempSubdirectory("inference-cli-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static (int Code, string Output, string Error) Run(CancellationToken token, params string[] args)
    {
        var output = new StringWriter(CultureInfo.InvariantCulture);
        var error = new StringWriter(CultureInfo.InvariantCulture);
        int code = InferenceCli.Run(args, output, error, interactive: false, token);
        return (code, output.ToString(), error.ToString());
    }

    private static (int Code, string Output, string Error) Run(params string[] args) => Run(CancellationToken.None, args);

    [Fact]
    public void Summary_OfOurStanCsv_PrintsWhatPosteriorComputes_ToThePrintedDigits()
    {
        string dir = ReferenceData.Path("fixtures", "stan-csv", "ours");
        var (code, output, error) = Run(["summary", .. Directory.GetFiles(dir, "output_*.csv").Order()]);
        Assert.True(code == ExitCodes.Success, error);
        var printed = output.Split('\n').Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(f => f.Length == 10).ToDictionary(f => f[0], f => f);
        using var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "summary.json")));
        string[] fields = ["mean", "sd", "mcse_mean", "q5", "q50", "q95", "rhat", "ess_bulk", "ess_tail"];
        int checkedRows = 0;
        foreach (var v in expected.RootElement.GetProperty("variables").EnumerateArray())
        {
            var row = printed[v.GetProperty("variable").GetString()!];
            for (int k = 0; k < fields.Length; k++)
            {
                double r = v.GetProperty(fields[k]).GetDouble();
                string text = row[k + 1];
                // the printed digits: three decimals (or three significant digits in exponent form), ESS as integers
                double unit = k >= 7 ? 1 : text.Contains('E', StringComparison.Ordinal) ? Math.Abs(r) * 1e-2 : 1e-3;
                Assert.True(Math.Abs(double.Parse(text, CultureInfo.InvariantCulture) - r) <= (unit / 2) + 1e-9, $"{row[0]} {fields[k]}: printed {text}, posterior {r}");
            }

            checkedRows++;
        }

        Assert.Equal(19, checkedRows);
        Assert.Contains("lp__", printed.Keys);
    }

    [Fact]
    public void Sample_WritesStanCsvSummaryAndPlots_AndPrintsTheTable()
    {
        string outDir = Path.Combine(_folder, "run");
        var (code, output, error) = Run("sample", EightSchools, "--chains", "2", "--warmup", "200", "--draws", "150", "--seed", "3", "--plots", "-o", outDir);
        Assert.True(code == ExitCodes.Success, error);
        Assert.Contains("theta_trans[1]", output, StringComparison.Ordinal);
        Assert.Contains("ess_bulk", output, StringComparison.Ordinal);
        foreach (var f in new[] { "output_1.csv", "output_2.csv", "summary.json", "trace.png", "rank.png", "pairs.png", "energy.png" })
        {
            Assert.True(File.Exists(Path.Combine(outDir, f)), f);
            Assert.Contains(Path.Combine(outDir, f), output, StringComparison.Ordinal);
        }

        var draws = StanCsvReader.Read([Path.Combine(outDir, "output_1.csv"), Path.Combine(outDir, "output_2.csv")]);
        Assert.Equal(150, draws.CommonDraws);
    }

    [Fact]
    public void Fit_WritesAFlowThatLoads_AndIndependentDraws()
    {
        string outDir = Path.Combine(_folder, "fit");
        var (code, output, error) = Run("fit", EightSchools, "--flow", "meanfield", "--iterations", "300", "--draws", "500", "-o", outDir);
        Assert.True(code == ExitCodes.Success, error);
        Assert.Contains("PSIS k̂", output, StringComparison.Ordinal);
        using (var stream = File.OpenRead(Path.Combine(outDir, "flow.json")))
        {
            Assert.Equal(10, FlowSerializer.Load(stream).Dimension);
        }

        Assert.Equal(500, StanCsvReader.Read([Path.Combine(outDir, "vi_1.csv")]).CommonDraws);
        Assert.True(File.Exists(Path.Combine(outDir, "elbo.png")));
        Assert.DoesNotContain("rhat", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_WritesTheReport()
    {
        string outDir = Path.Combine(_folder, "compare");
        var (code, output, error) = Run("compare", EightSchools, ReferenceData.Path("posteriors", "synth-rosenbrock2"), "--samplers", "nuts,mala", "--chains", "2", "--warmup", "200", "--draws", "200", "-o", outDir);
        Assert.True(code == ExitCodes.Success, error);
        Assert.Contains("4 runs", output, StringComparison.Ordinal);
        string md = File.ReadAllText(Path.Combine(outDir, "report.md"));
        Assert.Contains("| synth-rosenbrock2 | mala |", md, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(outDir, "report.html")));
    }

    public static TheoryData<string[], string> BadInput() => new()
    {
        { ["sample", "/no/such/posterior"], "No posterior folder" },
        { ["sample", EightSchools, "--sampler", "slice"], "There is no sampler 'slice'" },
        { ["sample", EightSchools, "--chains", "0"], "--chains" },
        { ["sample", EightSchools, "--chains", "many"], "many" },
        { ["sample"], "Required argument missing" },
        { ["frobnicate"], "frobnicate" },
        { ["summary", "/no/such.csv"], "No file" },
        { ["summary", ReferenceData.Path("posteriors", "README.md")], "not a Stan-CSV file" },
        { ["fit", EightSchools, "--flow", "glow"], "--flow: 'glow'" },
        { ["compare", EightSchools, "--seeds", "1,x"], "--seeds: 'x'" },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public void BadInput_ExitsWithTwo_AndSaysWhy(string[] args, string message)
    {
        var (code, _, error) = Run(args);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Cancelled_ExitsWith130_AndWritesWhatWasDrawn()
    {
        string outDir = Path.Combine(_folder, "cancelled");
        var (code, _, _) = Run(new CancellationToken(canceled: true), "sample", EightSchools, "--chains", "2", "-o", outDir);
        Assert.Equal(ExitCodes.Cancelled, code);
        Assert.True(File.Exists(Path.Combine(outDir, "output_1.csv")));
        Assert.True(File.Exists(Path.Combine(outDir, "summary.json")));
    }
}
