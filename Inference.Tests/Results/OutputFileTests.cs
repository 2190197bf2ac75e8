using System.Globalization;
using System.Text.Json;
using Inference.Randomness;
using Inference.Results;

namespace Inference.Tests.Results;

/// <summary>Files are written whole or not at all, and a partial run's files hold every draw it made.</summary>
public sealed class OutputFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("inference-output-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void AtomicWrite_ThatFailsPartWay_LeavesNoFileAndNoTemporary()
    {
        string path = Path.Combine(_folder, "out.csv");
        Assert.Throws<IOException>(() => AtomicFile.Write(path, s =>
        {
            s.Write(new byte[1000]);
            throw new IOException("disk full");
        }));
        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFiles(_folder));
    }

    [Fact]
    public void AtomicWrite_ThatFails_KeepsTheEarlierFile()
    {
        string path = Path.Combine(_folder, "summary.json");
        AtomicFile.WriteText(path, w => w.Write("first"));
        Assert.Throws<InvalidOperationException>(() => AtomicFile.WriteText(path, w =>
        {
            w.Write("second, half written");
            throw new InvalidOperationException("stop");
        }));
        Assert.Equal("first", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(_folder));
    }

    [Fact]
    public void CancelledRun_WritesEveryDrawOfEveryChain_AndASummaryFile()
    {
        string[] names = ["x"];
        ChainDraws Chain(int draws)
        {
            var rng = new Rng((ulong)draws + 1);
            var values = Enumerable.Range(0, draws).Select(_ => rng.Normal()).ToArray();
            return new ChainDraws(1, values, draws, new DrawStats[draws]) { StepSize = 0.4, InverseMetricDiagonal = [1.0] };
        }

        var draws = new PosteriorDraws(names, [Chain(37), Chain(0), Chain(5)], completed: false, "nuts", 7);
        var paths = StanCsvWriter.WriteAll(draws, _folder);
        Assert.Equal(3, paths.Count);
        int[] rows = paths.Select(p => File.ReadLines(p).Count(l => l.Length > 0 && !l.StartsWith('#')) - 1).ToArray();
        Assert.Equal([37, 0, 5], rows);
        var first = File.ReadLines(paths[0]).Where(l => l.Length > 0 && !l.StartsWith('#')).Skip(1).Select(l => double.Parse(l.Split(',')[^1], CultureInfo.InvariantCulture));
        Assert.Equal(draws.Chains[0].Values, first);

        string summaryPath = Path.Combine(_folder, "summary.json");
        JsonSummaryWriter.WriteFile(draws.Summary(), draws, summaryPath);
        using var doc = JsonDocument.Parse(File.ReadAllText(summaryPath));
        Assert.Equal([37, 0, 5], doc.RootElement.GetProperty("draws_per_chain").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(5, doc.RootElement.GetProperty("draws_summarized_per_chain").GetInt32());
        Assert.False(doc.RootElement.GetProperty("completed").GetBoolean());
    }
}
