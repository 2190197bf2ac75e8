using Inference.Densities;
using Inference.Diagnostics;
using Inference.Workflow.Automatic;

namespace Inference.Tests.Samplers;

/// <summary>The automatic call's decisions on targets where the right one is known, kept cheap (no flow fit where none is needed).</summary>
public class AutomaticTests
{
    /// <summary>N((1, −2, 3), Σ) with correlations 0.8: its Laplace approximation is exact.</summary>
    private static ILogDensity CorrelatedGaussian() => LogDensity.FromTape(3, x =>
    {
        const double Rho = 0.8;
        var a = Ops.Slice(x, 0, 1) - 1.0;
        var b = Ops.Slice(x, 1, 1) + 2.0;
        var c = Ops.Slice(x, 2, 1) - 3.0;
        // AR(1) factorization: a ~ N(0, 1), b | a ~ N(ρa, 1 − ρ²), c | b ~ N(ρb, 1 − ρ²)
        return Ops.Sum((-0.5 * Ops.Square(a)) - (0.5 / (1 - (Rho * Rho)) * (Ops.Square(b - (Rho * a)) + Ops.Square(c - (Rho * b)))));
    });

    [Fact]
    public void NearGaussianPosterior_UsesItsLaplaceMap_AndIsUnbiased()
    {
        var result = CorrelatedGaussian().SampleAutomatically(new AutomaticOptions { Seed = 3, Transitions = 300, Warmup = 150 });
        Assert.Equal(AutomaticMethod.NeuTraLaplace, result.Method);
        Assert.Contains(result.Reasons, r => r.Contains("the posterior is close to Gaussian", StringComparison.Ordinal));
        Assert.True(result.Diagnostics.LaplaceParetoK < 0.5);
        double[] means = [1, -2, 3];
        for (int j = 0; j < 3; j++)
        {
            var x = result.Draws!.Column(j);
            Assert.True(Math.Abs(Summaries.Mean(x) - means[j]) < 4 * Summaries.McseMean(x), $"x[{j}] mean {Summaries.Mean(x):F4}");
        }

        // an exact map: the global moves are nearly always accepted and NUTS never diverges
        Assert.True(result.Diagnostics.GlobalAcceptance > 0.5, $"global acceptance {result.Diagnostics.GlobalAcceptance:F2}");
        Assert.Equal(0, result.Draws!.Divergences);
        Assert.Empty(result.Warnings);
        Assert.True(result.Completed);
    }

    [Fact]
    public void CurvedPosterior_KeepsTheSquaredInputFlow_AndItsTailsAreRight()
    {
        // the banana x2 | x1 ~ N(x1², 0.1), x1 ~ N(1, 10): a ReLU coupling extrapolates x1² linearly and the far tails
        // come out light (E x2 = 11 needs them); the flow reading x1² wins by its ELBO and gets them right
        var result = Inference.Models.Rosenbrock.Create().Compile().SampleAutomatically(new AutomaticOptions { Seed = 2 });
        Assert.True(result.Method == AutomaticMethod.NeuTraFlow, string.Join("\n", result.Reasons));
        Assert.True(result.Diagnostics.FlowSquaredInputs, string.Join("\n", result.Reasons));
        Assert.Contains(result.Reasons, r => r.Contains("inputs' squares", StringComparison.Ordinal) && r.Contains("it is kept", StringComparison.Ordinal));
        var x1 = result.Draws!.Column(0);
        var x2 = result.Draws.Column(1);
        Assert.True(Math.Abs(Summaries.Mean(x1) - 1) < 4 * Summaries.McseMean(x1), $"x1 mean {Summaries.Mean(x1):F3} ± {Summaries.McseMean(x1):F3}");
        Assert.True(Math.Abs(Summaries.Mean(x2) - 11) < 4 * Summaries.McseMean(x2), $"x2 mean {Summaries.Mean(x2):F3} ± {Summaries.McseMean(x2):F3}");
        // the tail: P(x2 > 42.197) = 0.05 (the reference's q95)
        var above = x2.Select(c => c.Select(v => v > 42.197175757044 ? 1.0 : 0.0).ToArray()).ToArray();
        Assert.True(Math.Abs(Summaries.Mean(above) - 0.05) < 4 * Summaries.McseMean(above), $"P(x2 > q95) {Summaries.Mean(above):F4} ± {Summaries.McseMean(above):F4}");
        Assert.True(result.Diagnostics.DivergentShare < 0.01, $"divergent {result.Diagnostics.DivergentShare:P2}");
    }

    [Fact]
    public void SeparatedModes_GoToFlowMc_AndItsWeightsAreRight()
    {
        // two unit Gaussians 10 sd apart, weights 2:1: the mode search finds both, a barrier separates them
        var target = LogDensity.FromTape(2, x =>
        {
            var x0 = Ops.Slice(x, 0, 1);
            var x1 = Ops.Slice(x, 1, 1);
            var left = Math.Log(2.0 / 3) - (0.5 * (Ops.Square(x0 + 5.0) + Ops.Square(x1)));
            var right = Math.Log(1.0 / 3) - (0.5 * (Ops.Square(x0 - 5.0) + Ops.Square(x1)));
            return Ops.Sum(Ops.LogSumExp(Ops.Concat([left, right], 0), 0));
        });
        var result = Automatic.Run(target, new AutomaticOptions { Seed = 4, FlowIterations = 600, Transitions = 600 });
        Assert.True(result.Method == AutomaticMethod.FlowMc, string.Join("\n", result.Reasons));
        Assert.Equal(2, result.Diagnostics.Modes);
        var left = result.Draws!.Column(0).Select(c => c.Select(v => v < 0 ? 1.0 : 0.0).ToArray()).ToArray();
        Assert.True(Math.Abs(Summaries.Mean(left) - (2.0 / 3)) < 0.03, $"weight {Summaries.Mean(left):F3}");
    }

    [Fact]
    public void CancelledBeforeSampling_ReturnsNoDraws_AndSaysSo()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var result = Automatic.Run(CorrelatedGaussian(), cancellationToken: cts.Token);
        Assert.False(result.Completed);
        Assert.Null(result.Draws);
        Assert.Equal("Cancelled.", result.Reasons[^1]);
    }

    [Fact]
    public void BadOptions_NameTheOption()
    {
        Assert.Equal("Chains", Assert.Throws<ArgumentOutOfRangeException>(() => Automatic.Run(CorrelatedGaussian(), new AutomaticOptions { Chains = 1 })).ParamName);
        Assert.Equal("FlowHidden", Assert.Throws<ArgumentException>(() => Automatic.Run(CorrelatedGaussian(), new AutomaticOptions { FlowHidden = [] })).ParamName);
        Assert.Equal("RefitIterations", Assert.Throws<ArgumentOutOfRangeException>(() => Automatic.Run(CorrelatedGaussian(), new AutomaticOptions { RefitIterations = -1 })).ParamName);
    }
}
