using Inference.Diagnostics;
using Inference.Distributions;
using Inference.Modeling;
using Inference.Results;
using Inference.Tests.Randomness;
using Inference.Transforms;
using MN = MathNet.Numerics.Distributions;

namespace Inference.Tests.Diagnostics;

/// <summary>Prior and posterior predictive draws from a model's generated quantities, with their own seeded streams.</summary>
public class PredictiveTests
{
    private static readonly Normal MuPrior = new(0, 2), SigmaPrior = new(0, 1);

    // y ~ Normal(mu, sigma) with mu ~ Normal(0, 2), sigma > 0 ~ Normal(0, 1); y_rep drawn in the generated quantities
    private static CompiledModel Model(bool sigmaHasPrior = true) => Inference.Modeling.Model.Create("normal", m =>
    {
        var mu = m.Parameter("mu", MuPrior);
        var sigma = sigmaHasPrior ? m.Parameter("sigma", Constraint.Positive, SigmaPrior) : m.Parameter("sigma", Constraint.Positive);
        m.Observe(Normal.LogProb(m.Data("y", [0.3, -0.1, 0.8]), mu, sigma));
        if (m.Rng is { } rng)
        {
            double mv = mu.Item, sv = sigma.Item;
            m.Predicted("y_rep", [mv + (sv * rng.Normal()), mv + (sv * rng.Normal())]);
            m.Predicted("sigma_copy", [sv]);
        }
    }).Compile();

    private static PosteriorDraws Draws(double[][] chains) => new(
        ["mu", "sigma"],
        chains.Select(c => new ChainDraws(2, c, c.Length / 2, new DrawStats[c.Length / 2])).ToArray(),
        completed: true,
        sampler: "test",
        seed: 1);

    [Fact]
    public void Posterior_DrawsGivenEachDraw_AndIsReproducibleFromItsSeed()
    {
        var model = Model();
        const int N = 4000;
        var chain = new double[2 * N];
        for (int s = 0; s < N; s++)
        {
            chain[2 * s] = s % 7 * 0.5;           // mu
            chain[(2 * s) + 1] = 0.5 + (s % 3);    // sigma
        }

        var draws = Draws([chain, (double[])chain.Clone()]);
        var rep = Predictive.Posterior(model, draws, seed: 5);
        Assert.Equal(["y_rep[1]", "y_rep[2]", "sigma_copy"], rep.Names);
        Assert.Equal(2, rep.Chains.Count);
        // standardized by the draw's own parameters, every replicate is N(0, 1)
        var z = new List<double>();
        for (int c = 0; c < 2; c++)
        {
            for (int s = 0; s < N; s++)
            {
                Assert.Equal(chain[(2 * s) + 1], rep.Chains[c][s, 2]);
                z.Add((rep.Chains[c][s, 0] - chain[2 * s]) / chain[(2 * s) + 1]);
                z.Add((rep.Chains[c][s, 1] - chain[2 * s]) / chain[(2 * s) + 1]);
            }
        }

        Assert.True(RngTests.KsDistance([.. z], v => MN.Normal.CDF(0, 1, v)) < RngTests.KsCritical(z.Count, 1e-3));
        var again = Predictive.Posterior(model, draws, seed: 5);
        Assert.Equal(rep.Chains[1].Values, again.Chains[1].Values);
        Assert.NotEqual(rep.Chains[1].Values, Predictive.Posterior(model, draws, seed: 6).Chains[1].Values);
        Assert.NotEqual(rep.Chains[0].Values, rep.Chains[1].Values);    // each chain has its own stream
    }

    [Fact]
    public void Prior_DrawsParametersFromTheirDeclaredPriors_WithinTheirSupport()
    {
        const int N = 20000;
        var rep = Predictive.Prior(Model(), draws: N, seed: 3);
        Assert.True(rep.AreIndependent);
        var sigma = Enumerable.Range(0, N).Select(s => rep.Chains[0][s, 2]).ToArray();
        Assert.All(sigma, v => Assert.True(v > 0));
        // sigma: Normal(0, 1) restricted to sigma > 0 is the half-normal
        Assert.True(RngTests.KsDistance(sigma, v => (2 * MN.Normal.CDF(0, 1, v)) - 1) < RngTests.KsCritical(N, 1e-3));
        // y_rep given (mu, sigma): (y_rep − 0)/√(4 + σ²)… checked through the exact mixture: y_rep − mu is σ·z, so E[y_rep²] = 4 + E[σ²] = 5
        var y = Enumerable.Range(0, N).Select(s => rep.Chains[0][s, 0]).ToArray();
        double meanSquare = y.Average(v => v * v);
        double sd = Math.Sqrt(y.Select(v => ((v * v) - meanSquare) * ((v * v) - meanSquare)).Sum() / (N - 1) / N);
        Assert.True(Math.Abs(meanSquare - 5) < 4 * sd, $"E[y_rep²] = {meanSquare:F3} ± {sd:F3}, expected 5");
        Assert.Equal(rep.Chains[0].Values, Predictive.Prior(Model(), draws: N, seed: 3).Chains[0].Values);
    }

    [Fact]
    public void Prior_ParameterWithoutAPrior_IsNamed()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => Predictive.Prior(Model(sigmaHasPrior: false), draws: 10, seed: 1));
        Assert.Contains("'sigma'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ModelWithoutPredictiveQuantities_IsRefused_AndEvaluationIsUntouched()
    {
        var model = Inference.Modeling.Model.Create("plain", m => m.Parameter("mu", MuPrior)).Compile();
        Assert.Contains("records no predictive quantity", Assert.Throws<InvalidOperationException>(() => Predictive.Prior(model, 5, 1)).Message, StringComparison.Ordinal);
        var withPredictions = Model();
        double lp = withPredictions.CreateModelEvaluator().LogDensity([0.1, -0.2]);
        Assert.True(double.IsFinite(lp));
        Assert.Equal("draws", Assert.Throws<ArgumentException>(() => Predictive.Posterior(withPredictions, new PosteriorDraws(["sigma", "mu"], [new ChainDraws(2, [1, 0], 1, new DrawStats[1])], true, "t", 1), 1)).ParamName);
    }
}
