using Inference.Densities;
using Inference.Flows;
using Inference.Flows.Variational;
using Inference.Models;

namespace Inference.Tests.BadInput;

/// <summary>
/// Variational fits given bad options, or a target that cannot be evaluated everywhere: options are refused before
/// any work with the option named; non-finite target values are left out and reported, never silently fatal.
/// </summary>
public class VariationalBadInputTests
{
    /// <summary>A 2-D standard normal (log Z = log 2π) that is NaN where x₀ exceeds <paramref name="cut"/>.</summary>
    private static ILogDensity NormalWithHole(double cut) => LogDensity.FromDelegates(
        2,
        x => x[0] > cut ? double.NaN : -0.5 * ((x[0] * x[0]) + (x[1] * x[1])),
        (x, g) =>
        {
            g[0] = -x[0];
            g[1] = -x[1];
            return x[0] > cut ? double.NaN : -0.5 * ((x[0] * x[0]) + (x[1] * x[1]));
        });

    public static TheoryData<string, VariationalOptions> BadOptions() => new()
    {
        { "GradientClip", new VariationalOptions { GradientClip = -1 } },
        { "GradientClip", new VariationalOptions { GradientClip = 0 } },
        { "GradientClip", new VariationalOptions { GradientClip = double.NaN } },
        { "LearningRate", new VariationalOptions { LearningRate = double.PositiveInfinity } },
        { "LearningRate", new VariationalOptions { LearningRate = double.NaN } },
        { "LearningRate", new VariationalOptions { LearningRate = 0 } },
        { "LearningRate", new VariationalOptions { LearningRate = -1e-3 } },
        { "EarlyStoppingTolerance", new VariationalOptions { EarlyStoppingTolerance = double.NaN } },
        { "Iterations", new VariationalOptions { Iterations = -1 } },
        { "BatchSize", new VariationalOptions { BatchSize = 0 } },
        { "EvaluationDraws", new VariationalOptions { EvaluationDraws = 3 } },
        { "ImportanceSamples", new VariationalOptions { BatchSize = 256, ImportanceSamples = 3 } },
        { "Restarts", new VariationalOptions { Restarts = 0 } },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void BadOption_IsRefusedBeforeAnyWork_NamingIt(string option, VariationalOptions options)
    {
        var flow = FlowDistribution.MeanField(2);
        var before = flow.Parameters().SelectMany(p => p.Value.Data).ToArray();
        var error = Assert.ThrowsAny<ArgumentException>(() => VariationalFit.Run(flow, NormalWithHole(10), options));
        Assert.Equal(option, error.ParamName);
        Assert.Equal(before, flow.Parameters().SelectMany(p => p.Value.Data));
    }

    [Fact]
    public void TargetNaNOnTwoPercentOfDraws_DropsThoseDraws_AndStillFits()
    {
        // x₀ > 2.054 has probability 2% under N(0, 1): a batch of 256 holds about 5 such draws, so skipping every
        // batch with one would skip nearly every step
        var fit = VariationalFit.Run(FlowDistribution.MeanField(2), NormalWithHole(2.054), new VariationalOptions { Iterations = 600, LearningRate = 2e-2, Seed = 5, EvaluationDraws = 2000 });
        Assert.Equal(0, fit.SkippedSteps);
        Assert.InRange(fit.DroppedDraws, 1, 600 * 256 / 10);
        Assert.Contains(fit.Warnings, w => w.Contains("left out of their step", StringComparison.Ordinal));
        // the fit is a good one: the normal, slightly trimmed on the right (its mean shifts by about −0.05)
        Assert.InRange(fit["x[1]"].Mean, -0.2, 0.1);
        Assert.InRange(fit["x[2]"].Mean, -0.1, 0.1);
        Assert.InRange(fit["x[2]"].StandardDeviation, 0.9, 1.1);
    }

    [Fact]
    public void NaNAmongTheEvaluationDraws_LeavesTheElboFinite_AndIsReported()
    {
        // P(x₀ > 3) = 0.00135: a few of 4000 evaluation draws land in the hole
        var fit = VariationalFit.Run(FlowDistribution.MeanField(2), NormalWithHole(3), new VariationalOptions { Iterations = 600, LearningRate = 2e-2, Seed = 6 });
        Assert.InRange(fit.NonFiniteEvaluationDraws, 1, 40);
        Assert.True(double.IsFinite(fit.Elbo), $"ELBO {fit.Elbo}");
        double logZ = Math.Log(2 * Math.PI);
        Assert.True(fit.Elbo < logZ + (4 * fit.ElboStandardError), $"ELBO {fit.Elbo} above log Z {logZ}");
        Assert.True(fit.Elbo > logZ - 0.05, $"ELBO {fit.Elbo} far below log Z {logZ}");
        Assert.Contains(fit.Warnings, w => w.Contains("evaluation draws had a non-finite", StringComparison.Ordinal));
    }

    [Fact]
    public void TargetNaNEverywhere_SkipsEveryStep_AndSaysSo()
    {
        var fit = VariationalFit.Run(FlowDistribution.MeanField(2), NormalWithHole(-100), new VariationalOptions { Iterations = 20, EvaluationDraws = 100 });
        Assert.Equal(20, fit.SkippedSteps);
        Assert.Contains(fit.Warnings, w => w.StartsWith("20 of 20 steps were skipped", StringComparison.Ordinal));
    }

    [Fact]
    public void PoorFit_CarriesAWarningInWords_AndAGoodOneDoesNot()
    {
        // a mean-field Gaussian cannot follow the funnel's neck: k̂ is far above 0.7
        var funnel = Funnel.Create(9).Compile();
        var poor = VariationalFit.Run(FlowDistribution.MeanField(funnel.Dimension), funnel, new VariationalOptions { Iterations = 300, LearningRate = 1e-2, Seed = 3 });
        Assert.False(poor.IsReliable, $"k̂ {poor.ParetoK}");
        Assert.StartsWith("unreliable", poor.Verdict, StringComparison.Ordinal);
        Assert.Contains(poor.Warnings, w => w.StartsWith("PSIS k̂ = ", StringComparison.Ordinal) && w.Contains("unreliable", StringComparison.Ordinal));

        var good = VariationalFit.Run(FlowDistribution.MeanField(2), NormalWithHole(100), new VariationalOptions { Iterations = 600, LearningRate = 2e-2, Seed = 3 });
        Assert.True(good.ParetoK < 0.5, $"k̂ {good.ParetoK}");
        Assert.Empty(good.Warnings);
        Assert.StartsWith("good", good.Verdict, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownName_IsNamedInTheError()
    {
        var fit = VariationalFit.Run(FlowDistribution.MeanField(2), NormalWithHole(100), new VariationalOptions { Iterations = 10, EvaluationDraws = 100 });
        var error = Assert.Throws<KeyNotFoundException>(() => fit["mu"]);
        Assert.Contains("'mu'", error.Message, StringComparison.Ordinal);
        Assert.Contains("x", error.Message, StringComparison.Ordinal);
    }
}
