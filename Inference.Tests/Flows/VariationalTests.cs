using Inference.Densities;
using Inference.Diagnostics;
using Inference.Flows;
using Inference.Flows.Optimizers;
using Inference.Flows.Variational;
using Inference.Models;
using Inference.Randomness;

namespace Inference.Tests.Flows;

public class VariationalTests
{
    private const double Rho = 0.9;

    /// <summary>N((1, −2), Σ) with unit variances and correlation ρ, unnormalized: log Z = log 2π + ½ log(1 − ρ²).</summary>
    private static ILogDensity CorrelatedGaussian() => LogDensity.FromTape(2, x =>
    {
        var a = Ops.Slice(x, 0, 1) - 1.0;
        var b = Ops.Slice(x, 1, 1) + 2.0;
        return Ops.Sum(-0.5 / (1 - (Rho * Rho)) * (Ops.Square(a) + Ops.Square(b) - (2 * Rho * a * b)));
    });

    private static readonly double LogZ = Math.Log(2 * Math.PI) + (0.5 * Math.Log(1 - (Rho * Rho)));

    [Fact]
    public void Adam_MinimizesAQuadratic()
    {
        var p = new Inference.Flows.Modules.Parameter("x", Tensor.FromVector([5.0, -3.0]));
        var adam = new Adam([p], 0.1);
        for (int i = 0; i < 2000; i++)
        {
            // f = (x₀ − 1)² + 10(x₁ + 2)²
            p.Grad[0] = 2 * (p.Value[0] - 1);
            p.Grad[1] = 20 * (p.Value[1] + 2);
            adam.Step();
        }

        Assert.Equal(1, p.Value[0], 1e-6);
        Assert.Equal(-2, p.Value[1], 1e-6);
        Assert.Equal(0.5, LearningRateSchedule.Cosine(100)(50), 1e-12);
        Assert.Equal(0.01, LearningRateSchedule.Step([10, 20], 0.1)(25), 1e-15);
    }

    [Fact]
    public void FullRank_OnAGaussian_ReachesLogZ_AndPsisSaysGood()
    {
        var fit = VariationalFit.Run(FlowDistribution.FullRank(2), CorrelatedGaussian(), new VariationalOptions { Iterations = 3000, LearningRate = 1e-2, Seed = 3 });
        // KL(q‖p) = log Z − ELBO ≥ 0, and it is 0 at the optimum of this family (q = p).
        Assert.True(fit.Elbo <= LogZ + (4 * fit.ElboStandardError), $"ELBO {fit.Elbo} above log Z {LogZ}");
        Assert.True(LogZ - fit.Elbo < 0.01, $"KL {LogZ - fit.Elbo:F4} nats: the fit did not converge to q = p");
        Assert.True(fit.ParetoK < 0.5, $"k̂ {fit.ParetoK}");
        Assert.Equal(1, fit.PsisMeans[0], 0.05);
        Assert.Equal(-2, fit.PsisMeans[1], 0.05);
        Assert.True(fit.Completed);
    }

    [Fact]
    public void MeanField_OnACorrelatedGaussian_LosesExactlyTheTheoreticalKl()
    {
        // The best diagonal Gaussian under reverse KL has precision diag(P): KL = −½ log(1 − ρ²) = 0.830 nats.
        var fit = VariationalFit.Run(FlowDistribution.MeanField(2), CorrelatedGaussian(), new VariationalOptions { Iterations = 3000, LearningRate = 1e-2, Seed = 4 });
        double kl = LogZ - fit.Elbo;
        double expected = -0.5 * Math.Log(1 - (Rho * Rho));
        Assert.True(Math.Abs(kl - expected) < (4 * fit.ElboStandardError) + 0.01, $"KL {kl:F4} vs theory {expected:F4} (SE {fit.ElboStandardError:F4})");
        // it underestimates the marginal sd: √(1 − ρ²) instead of 1
        Assert.Equal(Math.Sqrt(1 - (Rho * Rho)), fit.StandardDeviations[0], 0.03);
    }

    [Fact]
    public void RealNvp_OnTheBanana_BeatsMeanField()
    {
        var target = Rosenbrock.Create().Compile();
        var options = new VariationalOptions { Iterations = 2000, LearningRate = 2e-3, Seed = 5 };
        var meanField = VariationalFit.Run(FlowDistribution.MeanField(2), target, options);
        var realNvp = VariationalFit.Run(FlowDistribution.RealNvp(2, 8, [32, 32], new Rng(6)), target, options);
        Assert.True(realNvp.Elbo > meanField.Elbo + (4 * Math.Sqrt((realNvp.ElboStandardError * realNvp.ElboStandardError) + (meanField.ElboStandardError * meanField.ElboStandardError))), $"RealNVP ELBO {realNvp.Elbo:F3} vs mean-field {meanField.Elbo:F3}");
        Assert.True(realNvp.ParetoK < meanField.ParetoK, $"k̂ RealNVP {realNvp.ParetoK:F3} vs mean-field {meanField.ParetoK:F3}");
    }

    [Fact]
    public void Iaf_OnTheFunnel_BeatsMeanField_OnElboAndParetoK()
    {
        // reverse KL is mode-seeking and the neck is hard for every q; a flow must still do better than a diagonal Gaussian
        var target = Funnel.Create(9).Compile();
        var options = new VariationalOptions { Iterations = 2000, Seed = 8, EvaluationDraws = 8000 };
        var meanField = VariationalFit.Run(FlowDistribution.MeanField(10), target, options);
        var iaf = VariationalFit.Run(FlowDistribution.MaskedAutoregressive(10, 4, [32, 32], new Rng(9)), target, options);
        double se = Math.Sqrt((iaf.ElboStandardError * iaf.ElboStandardError) + (meanField.ElboStandardError * meanField.ElboStandardError));
        Assert.True(iaf.Elbo > meanField.Elbo + (4 * se), $"IAF ELBO {iaf.Elbo:F3} vs mean-field {meanField.Elbo:F3}");
        Assert.True(iaf.ParetoK < meanField.ParetoK, $"k̂ IAF {iaf.ParetoK:F2} vs mean-field {meanField.ParetoK:F2}");
        Assert.True(iaf.Elbo <= 4 * iaf.ElboStandardError, $"ELBO {iaf.Elbo:F3} above log Z = 0");
    }

    [Fact]
    public void Fit_OnAModel_SummarizesConstrainedValues_AndIsReproducible()
    {
        var model = EightSchools.NonCentered().Compile();
        var options = new VariationalOptions { Iterations = 300, LearningRate = 1e-2, Seed = 9, EvaluationDraws = 1000 };
        var a = VariationalFit.Run(FlowDistribution.MeanField(model.Dimension), model, options);
        var b = VariationalFit.Run(FlowDistribution.MeanField(model.Dimension), model, options);
        Assert.Equal(model.Layout.ConstrainedNames, a.Names);
        Assert.Equal(a.ElboHistory, b.ElboHistory);
        Assert.True(a.Means[a.Names.ToList().IndexOf("tau")] > 0);
        Assert.Equal("flow", Assert.Throws<ArgumentException>(() => VariationalFit.Run(FlowDistribution.MeanField(3), model)).ParamName);
    }

    [Fact]
    public void TwoThreads_GiveExactlyTheOneThreadResults()
    {
        // the batch is split into the same two halves either way, and their gradients are added in one order
        var model = EightSchools.NonCentered().Compile();
        var options = new VariationalOptions { Iterations = 200, Seed = 14, EvaluationDraws = 500 };
        var parallel = VariationalFit.Run(FlowDistribution.RealNvp(model.Dimension, 2, [16], new Rng(15)), model, options);
        var serial = VariationalFit.Run(FlowDistribution.RealNvp(model.Dimension, 2, [16], new Rng(15)), model, options with { Parallel = false });
        Assert.Equal(serial.ElboHistory, parallel.ElboHistory);
        Assert.Equal(serial.Means, parallel.Means);
        Assert.Equal(serial.Flow.Parameters().SelectMany(p => p.Value.Data), parallel.Flow.Parameters().SelectMany(p => p.Value.Data));
    }

    [Fact]
    public void TrainingStep_GradientEqualsTheWholeBatchGradient_OnOneThreadAndTwo()
    {
        // the step splits the batch into halves with a tape each and adds their parameter gradients: the result must
        // be −∇ of the ELBO over the whole batch, as one tape computes it
        const int d = 3, batch = 8;
        var target = LogDensity.FromBatchedTape(d, x => -0.5 * Ops.Sum(Ops.Square(x - 1.0), -1));
        var noise = new double[batch * d];
        new Rng(18).Normal(noise);
        var flow = FlowDistribution.RealNvp(d, 2, [8], new Rng(19));
        foreach (var p in flow.Parameters())
        {
            new Rng(20).Normal(p.Value.Data);   // away from the identity start, so every gradient is non-zero
            System.Numerics.Tensors.TensorPrimitives.Multiply(p.Value.Data, 0.3, p.Value.Data);
        }

        var tape = new Inference.Autodiff.Tape();
        var (x, logQ) = flow.PushForward(tape.Constant(noise, Inference.Autodiff.Shape.Matrix(batch, d)));
        var elbo = Ops.Mean((-0.5 * Ops.Sum(Ops.Square(x - 1.0), -1)) - logQ);
        tape.Backward(-elbo);
        flow.Transform.ZeroGrad();
        flow.Transform.CollectGradients(tape);
        var expected = flow.Parameters().SelectMany(p => p.Grad).ToArray();
        Assert.Contains(expected, g => Math.Abs(g) > 1e-3);
        foreach (bool parallel in new[] { false, true })
        {
            using var step = new ReverseKlStep(flow, target, batch, 1, stickingTheLanding: false, parallel);
            flow.Transform.ZeroGrad();
            double value = step.Run(noise, 1);
            Assert.Equal(elbo.Item, value, 1e-12);
            var actual = flow.Parameters().SelectMany(p => p.Grad).ToArray();
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-12 * (1 + Math.Abs(expected[i])), $"parameter entry {i}: {actual[i]} against {expected[i]} (parallel: {parallel})");
            }
        }
    }

    [Fact]
    public void BatchedTarget_GivesTheRowByRowFit()
    {
        // the same density written per point and batched: VI pushes whole batches through the batched one
        var batched = LogDensity.FromBatchedTape(2, x =>
        {
            var a = Ops.Slice(x, 0, 1) - 1.0;
            var b = Ops.Slice(x, 1, 1) + 2.0;
            return Ops.Sum(-0.5 / (1 - (Rho * Rho)) * (Ops.Square(a) + Ops.Square(b) - (2 * Rho * a * b)), -1);
        });
        var options = new VariationalOptions { Iterations = 100, Seed = 16, EvaluationDraws = 500 };
        var byRow = VariationalFit.Run(FlowDistribution.RealNvp(2, 2, [8], new Rng(17)), CorrelatedGaussian(), options);
        var byBatch = VariationalFit.Run(FlowDistribution.RealNvp(2, 2, [8], new Rng(17)), batched, options);
        Assert.Equal(byRow.ElboHistory.Count, byBatch.ElboHistory.Count);
        for (int i = 0; i < byRow.ElboHistory.Count; i++)
        {
            Assert.Equal(byRow.ElboHistory[i], byBatch.ElboHistory[i], 1e-10);
        }

        Assert.Equal(byRow.ParetoK, byBatch.ParetoK, 1e-8);
    }

    [Fact]
    public void Draws_FormATraceThatTheSummaryReads()
    {
        var model = EightSchools.NonCentered().Compile();
        var flow = FlowDistribution.FullRank(model.Dimension);
        VariationalFit.Run(flow, model, new VariationalOptions { Iterations = 500, LearningRate = 1e-2, Seed = 12, EvaluationDraws = 500 });
        var trace = VariationalFit.Draws(flow, model, 2000, seed: 13);
        Assert.Equal("vi", trace.Sampler);
        Assert.Equal(model.Layout.ConstrainedNames, trace.Names);
        Assert.Equal(2000, trace.CommonDraws);
        var summary = trace.Summary();
        Assert.True(summary["tau"].Mean > 0);
        // independent draws: ESS close to the number of draws (well above half of it), and a summary for
        // independent draws (MCSE sd/√n, no R-hat or ESS columns)
        Assert.True(Convergence.EssBulk(trace.Column("mu")) > 1000, $"ESS {Convergence.EssBulk(trace.Column("mu"))}");
        Assert.True(summary.AreIndependent);
        Assert.Equal(summary["mu"].Sd / Math.Sqrt(2000), summary["mu"].Mcse, 1e-12);
        Assert.True(double.IsNaN(summary["mu"].Rhat));
        Assert.DoesNotContain("rhat", summary.ToString(), StringComparison.Ordinal);
        // derived quantities are recorded too: theta = mu + tau * theta_trans in every draw
        var c = trace.Chains[0];
        int mu = trace.IndexOf("mu"), tau = trace.IndexOf("tau"), t1 = trace.IndexOf("theta_trans[1]"), th1 = trace.IndexOf("theta[1]");
        Assert.Equal(c[7, mu] + (c[7, tau] * c[7, t1]), c[7, th1], 1e-12);
    }

    /// <summary>
    /// At q = p exactly (the full-rank map that is the target's Cholesky factor) every sample's ELBO term is log Z:
    /// the sticking-the-landing gradient is exactly zero, the standard estimator's is not (its score term is noise).
    /// </summary>
    [Fact]
    public void StickingTheLanding_IsExactlyZeroAtTheOptimum_TheStandardGradientIsNot()
    {
        var flow = FlowDistribution.FullRank(2);
        var t = (Inference.Flows.Bijectors.LowerTriangularAffine)flow.Transform;
        t.Location.Value[0] = 1;
        t.Location.Value[1] = -2;
        t.Raw.Value[2] = Rho;
        t.Raw.Value[3] = Math.Log(Math.Sqrt(1 - (Rho * Rho)));
        var z = new double[2 * 64];
        new Rng(40).Normal(z);
        var stl = VariationalFit.GradientAt(flow, CorrelatedGaussian(), z, stickingTheLanding: true);
        var standard = VariationalFit.GradientAt(flow, CorrelatedGaussian(), z, stickingTheLanding: false);
        Assert.All(stl, g => Assert.True(Math.Abs(g) < 1e-10, $"STL gradient {g}"));
        Assert.True(standard.Max(Math.Abs) > 1e-3, "the standard estimator's score term should be visible");

        // and it fits: the STL option reaches log Z on the same Gaussian
        var fit = VariationalFit.Run(FlowDistribution.FullRank(2), CorrelatedGaussian(), new VariationalOptions { Iterations = 3000, LearningRate = 1e-2, Seed = 3, StickingTheLanding = true });
        Assert.True(LogZ - fit.Elbo < 0.01, $"KL {LogZ - fit.Elbo:F4}");
    }

    [Fact]
    public void Annealing_AndEarlyStopping_StillReachTheOptimum()
    {
        var options = new VariationalOptions { Iterations = 20000, LearningRate = 1e-2, Seed = 3, AnnealingSteps = 300, EarlyStoppingPatience = 300 };
        var fit = VariationalFit.Run(FlowDistribution.FullRank(2), CorrelatedGaussian(), options);
        Assert.True(fit.ElboHistory.Count < options.Iterations, $"early stopping did not trigger ({fit.ElboHistory.Count} steps)");
        Assert.True(fit.ElboHistory.Count > options.AnnealingSteps);
        Assert.True(LogZ - fit.Elbo < 0.01, $"KL {LogZ - fit.Elbo:F4} after {fit.ElboHistory.Count} steps");
    }

    [Fact]
    public void ImportanceWeightedElbo_IsATighterBound_AndWidensTheMeanField()
    {
        // reverse KL gives the mean-field marginal sd √(1 − ρ²) = 0.436; the IW bound (K = 16) rewards covering more mass
        var baseOptions = new VariationalOptions { Iterations = 3000, LearningRate = 1e-2, Seed = 4 };
        var standard = VariationalFit.Run(FlowDistribution.MeanField(2), CorrelatedGaussian(), baseOptions);
        var weighted = VariationalFit.Run(FlowDistribution.MeanField(2), CorrelatedGaussian(), baseOptions with { ImportanceSamples = 16 });
        double sdSe = weighted.StandardDeviations[0] / Math.Sqrt(2.0 * baseOptions.EvaluationDraws);
        Assert.True(weighted.StandardDeviations[0] > Math.Sqrt(1 - (Rho * Rho)) + (4 * sdSe), $"IW sd {weighted.StandardDeviations[0]:F3}");
        // and q is no longer the ELBO's optimum: its ELBO is lower than the standard fit's
        Assert.True(weighted.Elbo < standard.Elbo + (4 * Math.Sqrt((weighted.ElboStandardError * weighted.ElboStandardError) + (standard.ElboStandardError * standard.ElboStandardError))), $"ELBO {weighted.Elbo:F4} vs {standard.Elbo:F4}");

        // the objective is a bound on log Z that is at least the ELBO at convergence (batch averages of the last 200 steps)
        double iw = weighted.ElboHistory.TakeLast(200).Average(), elbo = standard.ElboHistory.TakeLast(200).Average();
        Assert.True(iw > elbo, $"IW-ELBO {iw:F4} vs ELBO {elbo:F4}");
        Assert.True(iw < LogZ + 0.01, $"IW-ELBO {iw:F4} above log Z {LogZ:F4}");

        Assert.Equal("ImportanceSamples", Assert.Throws<ArgumentException>(() => VariationalFit.Run(FlowDistribution.MeanField(2), CorrelatedGaussian(), baseOptions with { ImportanceSamples = 7 })).ParamName);
        Assert.Equal("StickingTheLanding", Assert.Throws<ArgumentException>(() => VariationalFit.Run(FlowDistribution.MeanField(2), CorrelatedGaussian(), baseOptions with { ImportanceSamples = 4, StickingTheLanding = true })).ParamName);
    }

    [Fact]
    public void Restarts_KeepTheBestFit_AndAreReproducible()
    {
        // short runs of a RealNVP on the banana: restarts end at different ELBOs; the best one is returned
        var target = Rosenbrock.Create().Compile();
        var options = new VariationalOptions { Iterations = 150, LearningRate = 2e-3, Seed = 21, Restarts = 3, EvaluationDraws = 500 };
        FlowDistribution Create(Rng rng) => FlowDistribution.RealNvp(2, 4, [16], rng);
        var a = VariationalFit.Run(Create, target, options);
        var b = VariationalFit.Run(Create, target, options);
        Assert.Equal(3, a.RestartElbos.Count);
        Assert.Equal(a.RestartElbos.Max(), a.Elbo);
        Assert.Equal(a.RestartElbos, b.RestartElbos);
        Assert.Equal(3, a.RestartElbos.Distinct().Count());
        Assert.Equal(a.Elbo, VariationalFit.Run(a.Flow, target, options with { Iterations = 0 }).Elbo, 0.1);
    }

    [Theory]
    [InlineData("maf")]
    [InlineData("realnvp")]
    [InlineData("actnorm + maf")]
    public void ForwardKl_FitsSamples_AndTheHeldOutLikelihoodNeverBeatsTheTruth(string kind)
    {
        // 4000 exact draws of the correlated Gaussian; the held-out mean of log p − log q estimates KL(p‖q) ≥ 0
        var rng = new Rng(30);
        int n = 4000;
        var samples = new double[n, 2];
        for (int i = 0; i < n; i++)
        {
            double u = rng.Normal(), v = rng.Normal();
            samples[i, 0] = 1 + u;
            samples[i, 1] = -2 + (Rho * u) + (Math.Sqrt(1 - (Rho * Rho)) * v);
        }

        var flowRng = new Rng(31);
        var flow = kind switch
        {
            "maf" => FlowDistribution.MaskedAutoregressive(2, 3, [32, 32], flowRng, Inference.Flows.Bijectors.AutoregressiveDirection.Masked),
            "realnvp" => FlowDistribution.RealNvp(2, 4, [32, 32], flowRng),
            _ => new FlowDistribution(new Inference.Flows.Bijectors.FlowChain([new Inference.Flows.Bijectors.ActNorm(2), FlowDistribution.MaskedAutoregressive(2, 3, [32, 32], flowRng, Inference.Flows.Bijectors.AutoregressiveDirection.Masked).Transform])),
        };
        var fit = DensityEstimation.Fit(flow, samples, new DensityEstimationOptions { Iterations = 1500, LearningRate = 3e-3, Seed = 32 });
        Assert.Equal(800, fit.HeldOutCount);

        // the truth's mean log-density over the same held-out points is not known here, so compare with its
        // expectation: E[log p] = −log(2π) − ½ log(1 − ρ²) − 1, whose sample mean has sd √(D/2)/√n
        double expected = -Math.Log(2 * Math.PI) - (0.5 * Math.Log(1 - (Rho * Rho))) - 1;
        double truthSe = Math.Sqrt(1.0 / fit.HeldOutCount);
        Assert.True(fit.HeldOutLogLikelihood < expected + (4 * Math.Sqrt((truthSe * truthSe) + (fit.HeldOutStandardError * fit.HeldOutStandardError))), $"{kind}: held-out {fit.HeldOutLogLikelihood:F4} beats the truth {expected:F4}");
        Assert.True(fit.HeldOutLogLikelihood > expected - 0.05 - (4 * truthSe), $"{kind}: held-out {fit.HeldOutLogLikelihood:F4} vs truth {expected:F4}");
        Assert.True(fit.ValidationLogLikelihood.Max(v => v.LogLikelihood) > fit.ValidationLogLikelihood[0].LogLikelihood, "training did not improve the held-out likelihood");
        Assert.Equal(fit.ValidationLogLikelihood.Max(v => v.LogLikelihood), fit.HeldOutLogLikelihood, 1e-12); // the best parameters are restored
    }

    [Fact]
    public void ForwardKl_Cancelled_ReturnsTheBestSoFar_AndReportsProgress()
    {
        var rng = new Rng(33);
        var samples = new double[500, 2];
        for (int i = 0; i < 500; i++)
        {
            samples[i, 0] = 3 + rng.Normal();
            samples[i, 1] = rng.Normal();
        }

        using var cts = new CancellationTokenSource();
        var reports = new List<FitProgress>();
        var progress = new SynchronousProgress<FitProgress>(p =>
        {
            reports.Add(p);
            if (p.Iteration >= 200)
            {
                cts.Cancel();
            }
        });
        var fit = DensityEstimation.Fit(FlowDistribution.MeanField(2), samples, new DensityEstimationOptions { Iterations = 5000, EvaluateEvery = 50, LearningRate = 1e-2 }, progress, cts.Token);
        Assert.False(fit.Completed);
        Assert.Equal(200, fit.TrainingLogLikelihood.Count); // cancelled when step 200 reported, checked before step 201
        Assert.Equal([50, 100, 150, 200], reports.Select(r => r.Iteration));
        Assert.Equal(fit.ValidationLogLikelihood.Max(v => v.LogLikelihood), fit.HeldOutLogLikelihood, 1e-12);
    }

    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    [Fact]
    public void ForwardKl_RejectsBadInput()
    {
        var flow = FlowDistribution.MeanField(2);
        Assert.Equal("samples", Assert.Throws<ArgumentException>(() => DensityEstimation.Fit(flow, new double[10, 3])).ParamName);
        Assert.Equal("samples", Assert.Throws<ArgumentException>(() => DensityEstimation.Fit(flow, new double[3, 2])).ParamName);
        var bad = new double[100, 2];
        bad[5, 1] = double.NaN;
        Assert.Equal("samples", Assert.Throws<ArgumentException>(() => DensityEstimation.Fit(flow, bad)).ParamName);
        Assert.Equal("ValidationFraction", Assert.Throws<ArgumentOutOfRangeException>(() => DensityEstimation.Fit(flow, new double[100, 2], new DensityEstimationOptions { ValidationFraction = 1 })).ParamName);
    }
}
