using Inference.Distributions;
using Inference.Modeling;
using Inference.Models;
using Inference.Randomness;
using Inference.Samplers.Running;
using MN = MathNet.Numerics.Distributions;

namespace Inference.Tests.Samplers;

/// <summary>
/// Simulation-based calibration (Talts et al. 2018) of NUTS: parameters drawn from the prior, data from the
/// model, one chain per replication; the rank of each true value among L = 99 thinned posterior draws is
/// uniform on 0..99 when the sampler is calibrated. χ² over 20 bins at the 1% level.
/// </summary>
public class SbcTests
{
    private const int Replications = 1000;
    private const int PosteriorDraws = 99;
    private const int Bins = 20;

    [Fact]
    [Trait("Category", "Slow")]
    public void NormalNormal_RanksAreUniform()
    {
        var ranks = new int[Replications];
        var seeds = new SeedSequence(20261122);
        var prior = new Normal(0, 1);
        Parallel.For(0, Replications, r =>
        {
            var rng = seeds.Spawn(r).Stream(0);
            double truth = rng.Normal();
            double y = truth + rng.Normal();
            var yData = Tensor.FromScalar(y);
            var model = Model.Create("normal_normal", m =>
            {
                var x = m.Parameter("x", prior);
                m.Observe(Normal.LogProb(m.Tape.Constant(yData), x, 1.0));
            }).Compile();
            var trace = ChainRunner.Nuts(model, new RunSettings { Chains = 1, Warmup = 200, Draws = PosteriorDraws, Thin = 2, Seed = seeds.Spawn(r).StreamSeed(1), MaxDegreeOfParallelism = 1 });
            ranks[r] = trace.Column(0)[0].Count(v => v < truth);
        });

        AssertUniform(ranks, "x");
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void EightSchoolsNonCentered_RanksAreUniform()
    {
        var sigma = EightSchools.StandardErrors.ToArray();
        string[] parameters = ["mu", "tau", "theta_trans[1]", "theta[1]"];
        var ranks = parameters.Select(_ => new int[Replications]).ToArray();
        var seeds = new SeedSequence(20261123);
        Parallel.For(0, Replications, r =>
        {
            var (mu, tau, thetaTrans, y) = SimulateEightSchools(seeds.Spawn(r).Stream(0), sigma);

            double[] truths = [mu, tau, thetaTrans[0], mu + (tau * thetaTrans[0])];
            var model = EightSchools.NonCentered(y, sigma).Compile();
            var trace = ChainRunner.Nuts(model, new RunSettings { Chains = 1, Warmup = 300, Draws = PosteriorDraws, Thin = 3, Seed = seeds.Spawn(r).StreamSeed(1), MaxDegreeOfParallelism = 1 });
            for (int k = 0; k < parameters.Length; k++)
            {
                ranks[k][r] = trace.Column(parameters[k])[0].Count(v => v < truths[k]);
            }
        });

        for (int k = 0; k < parameters.Length; k++)
        {
            AssertUniform(ranks[k], parameters[k]);
        }
    }

    /// <summary>
    /// One replication of non-centered eight schools from its prior: θ̃ ~ N(0, I), μ ~ N(0, 5), τ ~ half-Cauchy(0, 5)
    /// (by inversion), then y_j ~ N(μ + τ θ̃_j, σ_j).
    /// </summary>
    internal static (double Mu, double Tau, double[] ThetaTrans, double[] Y) SimulateEightSchools(Rng rng, double[] sigma)
    {
        var thetaTrans = new double[sigma.Length];
        rng.Normal(thetaTrans);
        double mu = 5 * rng.Normal();
        double tau = Math.Abs(5 * Math.Tan(Math.PI * (rng.NextOpenDouble() - 0.5)));
        var y = new double[sigma.Length];
        for (int j = 0; j < y.Length; j++)
        {
            y[j] = mu + (tau * thetaTrans[j]) + (sigma[j] * rng.Normal());
        }

        return (mu, tau, thetaTrans, y);
    }

    internal static void AssertUniform(int[] ranks, string name)
    {
        // ranks 0..99 (100 values) into 20 bins of 5
        var counts = new int[Bins];
        foreach (int rank in ranks)
        {
            counts[rank * Bins / (PosteriorDraws + 1)]++;
        }

        double expected = (double)ranks.Length / Bins;
        double chi2 = counts.Sum(c => (c - expected) * (c - expected) / expected);
        double critical = MN.ChiSquared.InvCDF(Bins - 1, 0.99);
        Assert.True(chi2 < critical, $"{name}: χ² = {chi2:F1} ≥ {critical:F1}; bin counts {string.Join(" ", counts)}");
    }
}
