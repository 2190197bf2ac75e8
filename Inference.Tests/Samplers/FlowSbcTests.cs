using Inference.Densities;
using Inference.Distributions;
using Inference.Flows;
using Inference.Flows.Variational;
using Inference.Modeling;
using Inference.Models;
using Inference.Randomness;
using Inference.Results;
using Inference.Samplers.Population;
using Inference.Samplers.Reparam;
using Inference.Samplers.Running;

namespace Inference.Tests.Samplers;

/// <summary>
/// Simulation-based calibration of NeuTra-NUTS (with global moves) and flowMC, as <see cref="SbcTests"/> does for NUTS:
/// 1000 replications, the rank of each true value among 99 posterior draws, χ² over 20 bins at 1%. Each replication's
/// NeuTra map is its own Laplace approximation's affine map (exact for the normal model, only approximate for eight
/// schools, so the sampler has to correct it); flowMC's proposal is a Gaussian refitted by moments in its training loops.
/// </summary>
public class FlowSbcTests
{
    private const int Replications = 1000;
    private const int Draws = 99;

    private static CompiledModel NormalNormal(double y)
    {
        var prior = new Normal(0, 1);
        var data = Tensor.FromScalar(y);
        return Model.Create("normal_normal", m =>
        {
            var x = m.Parameter("x", prior);
            m.Observe(Normal.LogProb(m.Tape.Constant(data), x, 1.0));
        }).Compile();
    }

    /// <summary>μ ~ N(0, 1), σ ~ LogNormal(0, 0.5), five observations y ~ N(μ, σ): a skewed two-parameter posterior.</summary>
    private static CompiledModel LocationScale(double[] y)
    {
        var data = Tensor.FromVector(y);
        return Model.Create("location_scale", m =>
        {
            var mu = m.Parameter("mu", new Normal(0, 1));
            var sigma = m.Parameter("sigma", new LogNormal(0, 0.5));
            m.Observe(Normal.LogProb(m.Tape.Constant(data), mu, sigma));
        }).Compile();
    }

    private static NeuTraResult NeuTraOnLaplace(CompiledModel model, ulong seed, int warmup = 200)
    {
        // a short L-BFGS run: the map only has to be roughly right (the sampler corrects it), and a tau near 0 sends a
        // full run to its iteration limit
        var laplace = LaplaceApproximation.Fit(model, maxIterations: 100);
        var map = VariationalFit.Run(FlowDistribution.FullRank(model.Dimension).Whiten(laplace), model, new VariationalOptions { Iterations = 0, EvaluationDraws = 100, Seed = seed });
        return NeuTra.Sample(model, map, new RunSettings { Chains = 1, Warmup = warmup, Draws = 3 * Draws, Thin = 1, Seed = seed, MaxDegreeOfParallelism = 1 }, new NeuTraOptions { GlobalSteps = 2 });
    }

    // every third draw: 99 draws of the chain
    private static int Rank(PosteriorDraws draws, string name, double truth)
    {
        var x = draws.Column(name)[0];
        int rank = 0;
        for (int i = 2; i < x.Length; i += 3)
        {
            rank += x[i] < truth ? 1 : 0;
        }

        return rank;
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void NeuTraNuts_NormalNormal_RanksAreUniform()
    {
        var ranks = new int[Replications];
        var seeds = new SeedSequence(20261201);
        Parallel.For(0, Replications, r =>
        {
            var rng = seeds.Spawn(r).Stream(0);
            double truth = rng.Normal();
            var result = NeuTraOnLaplace(NormalNormal(truth + rng.Normal()), seeds.Spawn(r).StreamSeed(1));
            ranks[r] = Rank(result.Draws, "x", truth);
        });

        SbcTests.AssertUniform(ranks, "x");
    }

    /// <summary>500 replications (25 expected per bin) keep this one under a minute on two cores.</summary>
    [Fact]
    [Trait("Category", "Slow")]
    public void NeuTraNuts_EightSchoolsNonCentered_RanksAreUniform()
    {
        const int SchoolsReplications = 500;
        var sigma = EightSchools.StandardErrors.ToArray();
        string[] parameters = ["mu", "tau", "theta[1]"];
        var ranks = parameters.Select(_ => new int[SchoolsReplications]).ToArray();
        var seeds = new SeedSequence(20261202);
        Parallel.For(0, SchoolsReplications, r =>
        {
            var (mu, tau, thetaTrans, y) = SbcTests.SimulateEightSchools(seeds.Spawn(r).Stream(0), sigma);

            double[] truths = [mu, tau, mu + (tau * thetaTrans[0])];
            var result = NeuTraOnLaplace(EightSchools.NonCentered(y, sigma).Compile(), seeds.Spawn(r).StreamSeed(1), warmup: 150);
            for (int k = 0; k < parameters.Length; k++)
            {
                ranks[k][r] = Rank(result.Draws, parameters[k], truths[k]);
            }
        });

        for (int k = 0; k < parameters.Length; k++)
        {
            SbcTests.AssertUniform(ranks[k], parameters[k]);
        }
    }

    private static int[] FlowMcRanks(Func<Rng, (CompiledModel Model, double[] Truths)> replicate, string[] names, ulong root)
    {
        var ranks = new int[names.Length * Replications];
        var seeds = new SeedSequence(root);
        Parallel.For(0, Replications, r =>
        {
            var (model, truths) = replicate(seeds.Spawn(r).Stream(0));
            var options = new FlowMcOptions { Chains = 3, LocalSteps = 10, GlobalSteps = 1, TrainingLoops = 4, ProductionLoops = 9, HistoryWindow = 40, MaxExamples = 200, Seed = seeds.Spawn(r).StreamSeed(1), MaxDegreeOfParallelism = 1 };
            var draws = FlowMc.Sample(model, GaussianProposal.Isotropic(model.Dimension), options).Draws;
            // 3 chains × 99 states: every third state of each chain gives 33 per chain, 99 in all
            for (int k = 0; k < names.Length; k++)
            {
                int rank = 0;
                foreach (var chain in draws.Column(names[k]))
                {
                    for (int i = 2; i < chain.Length; i += 3)
                    {
                        rank += chain[i] < truths[k] ? 1 : 0;
                    }
                }

                ranks[(k * Replications) + r] = rank;
            }
        });

        return ranks;
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void FlowMc_NormalNormal_RanksAreUniform()
    {
        var ranks = FlowMcRanks(rng =>
        {
            double truth = rng.Normal();
            return (NormalNormal(truth + rng.Normal()), [truth]);
        }, ["x"], 20261203);
        SbcTests.AssertUniform(ranks, "x");
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void FlowMc_LocationScale_RanksAreUniform()
    {
        string[] names = ["mu", "sigma"];
        var ranks = FlowMcRanks(rng =>
        {
            double mu = rng.Normal(), sigma = Math.Exp(0.5 * rng.Normal());
            var y = new double[5];
            for (int i = 0; i < 5; i++)
            {
                y[i] = mu + (sigma * rng.Normal());
            }

            return (LocationScale(y), [mu, sigma]);
        }, names, 20261204);
        for (int k = 0; k < names.Length; k++)
        {
            SbcTests.AssertUniform(ranks.AsSpan(k * Replications, Replications).ToArray(), names[k]);
        }
    }
}
