using Inference.Distributions;
using Inference.Modeling;
using Inference.Randomness;
using Inference.Results;
using Inference.Samplers.Running;

namespace Inference.Tests.BadInput;

/// <summary>
/// A 4-chain run cancelled at 20 moments drawn with a fixed seed — before any chain starts, in warmup, in sampling,
/// after the end: every time the draws come back, summarize, and are written to Stan-CSV whole, and Completed is true
/// exactly when every chain made all its draws.
/// </summary>
public sealed class CancellationBadInputTests : IDisposable
{
    private static readonly Normal Standard = new(0, 1);
    private static readonly Normal MuPrior = new(0, 5);
    private static readonly HalfCauchy TauPrior = new(5);
    private static readonly double[] Y = [28, 8, -3, 7, -1, 1, 18, 12];
    private static readonly double[] Sigma = [15, 10, 16, 11, 9, 11, 10, 18];
    private readonly string _folder = Directory.CreateTempSubdirectory("inference-cancel-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>Eight schools whose body cancels <paramref name="cts"/> at its <paramref name="at"/>-th evaluation.</summary>
    private static Model CancellingModel(CancellationTokenSource cts, long at)
    {
        long evaluations = 0;
        var model = Model.Create("eight_schools", m =>
        {
            if (Interlocked.Increment(ref evaluations) == at)
            {
                cts.Cancel();
            }

            var z = m.Parameter("theta_trans", 8, Standard);
            var mu = m.Parameter("mu", MuPrior);
            var tau = m.Parameter("tau", TauPrior);
            m.Observe(Normal.LogProb(m.Data("y", Y), mu + (tau * z), m.Data("sigma", Sigma)));
        });

        // the body counts evaluations, a side effect: it must run at every one, not be replayed from its recorded graph
        model.Compile().ReplaysRecordedGraph = false;
        return model;
    }

    [Fact]
    public void CancelledRun_AlwaysSummarizes_AndWritesEveryDraw_AtTwentyMoments()
    {
        // a run costs about 9,000 evaluations: moments up to 12,000 cover every phase, and some runs finish
        var rng = new Rng(20261201);
        var seen = new HashSet<ChainStatus>();
        for (int k = 0; k < 20; k++)
        {
            long moment = k == 0 ? 1 : 1 + rng.Next(12_000);
            seen.UnionWith(CancelAt(k, moment));
        }

        // the moments reached every state a chain can end in
        Assert.Equal([ChainStatus.Completed, ChainStatus.CancelledInWarmup, ChainStatus.CancelledInSampling, ChainStatus.NotStarted], seen.Order());
    }

    private IEnumerable<ChainStatus> CancelAt(int k, long moment)
    {
        using var cts = new CancellationTokenSource();
        var settings = new RunSettings { Chains = 4, Warmup = 150, Draws = 150, Seed = (ulong)(k + 1), MaxDegreeOfParallelism = 2 };
        var draws = CancellingModel(cts, moment).Sample(settings, cancellationToken: cts.Token);

        bool everyChainFinished = draws.Chains.All(c => c.Draws == settings.Draws && c.Status == ChainStatus.Completed);
        Assert.Equal(everyChainFinished, draws.Completed);
        var summary = draws.Summary();
        Assert.Equal(draws.Names.Count, summary.Rows.Count);
        Assert.Equal(draws.Completed, !summary.Warnings.Any(w => w.Contains("cancelled", StringComparison.Ordinal)));

        string folder = Path.Combine(_folder, k.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var back = StanCsvReader.Read(StanCsvWriter.WriteAll(draws, folder));
        for (int c = 0; c < draws.Chains.Count; c++)
        {
            var chain = draws.Chains[c];
            Assert.Equal(chain.Draws, back.Chains[c].Draws);
            Assert.Equal(chain.Values.AsSpan(0, chain.Draws * chain.Columns).ToArray(), back.Chains[c].Values);
        }

        return draws.Chains.Select(c => c.Status);
    }
}
