using Inference.Autodiff;
using Inference.Distributions;
using Inference.Flows.Variational;
using Inference.Modeling;
using Inference.Models;
using Inference.Randomness;
using Inference.Samplers.Running;

namespace Inference.Tests.Modeling;

/// <summary>The one-call entry points and named data give the same numbers as the long forms they stand for.</summary>
public class OneCallApiTests
{
    private static readonly double[] Y = [28, 8, -3, 7, -1, 1, 18, 12];
    private static readonly double[] Sigma = [15, 10, 16, 11, 9, 11, 10, 18];
    private static readonly Normal Standard = new(0, 1);
    private static readonly Normal MuPrior = new(0, 5);
    private static readonly HalfCauchy TauPrior = new(5);

    /// <summary>Eight schools (non-centered) written with named data.</summary>
    private static Model WithNamedData() => Model.Create("eight_schools", m =>
    {
        var z = m.Parameter("theta_trans", 8, Standard);
        var mu = m.Parameter("mu", MuPrior);
        var tau = m.Parameter("tau", TauPrior);
        var theta = mu + (tau * z);
        m.Observe(Normal.LogProb(m.Data("y", Y), theta, m.Data("sigma", Sigma)));
        m.Derived("theta", theta);
    });

    [Fact]
    public void NamedData_GivesTheLogDensityOfTheConstantForm_AndIsRecorded()
    {
        var named = WithNamedData().Compile();
        var reference = EightSchools.NonCentered().Compile();
        var u = Enumerable.Range(0, 10).Select(i => 0.2 * (i - 5)).ToArray();
        var (g1, g2) = (new double[10], new double[10]);
        Assert.Equal(reference.CreateEvaluator().LogDensityAndGradient(u, g2), named.CreateEvaluator().LogDensityAndGradient(u, g1), 1e-12);
        Assert.Equal(g2, g1);
        Assert.Equal(["sigma", "y"], named.Data.Keys.Order());
        Assert.Same(Y, named.Data["y"].Data);
    }

    [Fact]
    public void NamedData_AllocatesNothingPerEvaluation()
    {
        var ev = WithNamedData().Compile().CreateEvaluator();
        var u = new double[10];
        var g = new double[10];
        ev.LogDensityAndGradient(u, g);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
        {
            ev.LogDensityAndGradient(u, g);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void NonFiniteData_IsRefusedWithItsName_BeforeAnyEvaluation()
    {
        double[] y = [1, 2, double.NaN, 4];
        var model = Model.Create("bad", m => m.Observe(Normal.LogProb(m.Data("y", y), m.Parameter("mu"), 1.0)));
        var error = Assert.Throws<ArgumentException>(() => model.Compile());
        Assert.Equal("y", error.ParamName);
        Assert.Contains("Data 'y' has a non-finite value (NaN) at index 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DataNamedLikeAParameter_IsRefused()
    {
        var model = Model.Create("clash", m =>
        {
            var mu = m.Parameter("mu");
            m.Observe(Normal.LogProb(m.Data("mu", new[] { 1.0 }), mu, 1.0));
        });
        Assert.Contains("'mu' is also a parameter", Assert.Throws<ArgumentException>(() => model.Compile()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sample_IsNutsWithTheSameSettings()
    {
        var settings = new RunSettings { Chains = 2, Warmup = 150, Draws = 100, Seed = 4 };
        var model = WithNamedData();
        var oneCall = model.Sample(settings);
        var longForm = ChainRunner.Nuts(model.Compile(), settings);
        Assert.Equal(longForm.Chains[1].Values, oneCall.Chains[1].Values);
        Assert.Equal(longForm.Summary()["mu"].Mean, oneCall["mu"].Mean, 1e-12);
    }

    [Fact]
    public void Fit_IsVariationalFitWithTheNamedFlow_AndItsResultIsIndexedByName()
    {
        var model = WithNamedData();
        var options = new VariationalOptions { Iterations = 300, LearningRate = 1e-2, Seed = 8, EvaluationDraws = 500 };
        var fit = model.Fit(FlowKind.MeanField, options);
        var longForm = VariationalFit.Run(rng => ModelFittingExtensions.Create(FlowKind.MeanField, 10, rng), model.Compile(), options);
        Assert.Equal(longForm.Elbo, fit.Elbo);
        int tau = fit.Names.ToList().IndexOf("tau");
        Assert.Equal(fit.Means[tau], fit["tau"].Mean);
        var draws = fit.Draws(500, seed: 2);
        Assert.True(draws.AreIndependent);
        Assert.Equal(500, draws["theta"].Element(7).Length);
    }

    [Fact]
    public void UnivariateDistributions_DrawSingleValues()
    {
        var a = new Normal(3, 2).Sample(new Rng(5));
        var b = new Normal(3, 2).Sample(new Rng(5), 4);
        Assert.Equal(b[0], a);
        Assert.Equal(4, b.Length);
        Assert.True(new HalfCauchy(1).Sample(new Rng(1)) > 0);
    }
}
