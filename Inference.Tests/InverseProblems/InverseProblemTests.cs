using Inference.Densities;
using Inference.Flows;
using Inference.Flows.InverseProblems;
using Inference.InverseProblems;
using Inference.Randomness;
using Inference.Samplers.Running;
using Inference.Workflow.InverseProblems;
using MathNet.Numerics.LinearAlgebra;

namespace Inference.Tests.InverseProblems;

/// <summary>Forward operators (tape, matrix, external solver with adjoint), noise models, priors, simulation, posteriors.</summary>
public class InverseProblemTests
{
    // an explicit heat-equation solver on a 1-D rod of n cells with k steps: the source x is the initial temperature,
    // the observation the temperature at the end; its adjoint runs the transposed steps backward
    private static (SolverForward Forward, SolverAdjoint Adjoint) HeatSolver(int n, int steps, double r)
    {
        void Step(ReadOnlySpan<double> u, Span<double> v)
        {
            for (int i = 0; i < n; i++)
            {
                double left = i > 0 ? u[i - 1] : 0, right = i < n - 1 ? u[i + 1] : 0;
                v[i] = u[i] + (r * (left - (2 * u[i]) + right)) + (0.05 * u[i] * u[i] / (1 + (u[i] * u[i]))); // a mild nonlinearity
            }
        }

        void Forward(ReadOnlySpan<double> x, Span<double> y)
        {
            var u = x.ToArray();
            var v = new double[n];
            for (int s = 0; s < steps; s++)
            {
                Step(u, v);
                (u, v) = (v, u);
            }

            u.CopyTo(y);
        }

        void Adjoint(ReadOnlySpan<double> x, ReadOnlySpan<double> yBar, Span<double> xBar)
        {
            // forward pass keeping the states, then the transposed Jacobian of each step from the last
            var states = new double[steps + 1][];
            states[0] = x.ToArray();
            for (int s = 0; s < steps; s++)
            {
                states[s + 1] = new double[n];
                Step(states[s], states[s + 1]);
            }

            var lambda = yBar.ToArray();
            for (int s = steps - 1; s >= 0; s--)
            {
                var u = states[s];
                var next = new double[n];
                for (int i = 0; i < n; i++)
                {
                    double q = 1 + (u[i] * u[i]);
                    double diagonal = 1 - (2 * r) + (0.05 * 2 * u[i] / (q * q));
                    next[i] += diagonal * lambda[i];
                    if (i > 0)
                    {
                        next[i - 1] += r * lambda[i];
                    }

                    if (i < n - 1)
                    {
                        next[i + 1] += r * lambda[i];
                    }
                }

                lambda = next;
            }

            lambda.CopyTo(xBar);
        }

        return (Forward, Adjoint);
    }

    [Fact]
    public void ExternalSolver_WithItsAdjoint_IsACustomOpWhoseGradientMatchesFiniteDifferences()
    {
        var (forward, adjoint) = HeatSolver(7, 5, 0.2);
        var op = ForwardOperator.FromSolver(7, 7, forward, adjoint, "heat");
        var x = TestData.Uniform(new Random(3), Shape.Matrix(3, 7), -1, 1);
        var result = GradCheck.Check(v => op.Apply(v[0]), [x]);
        Assert.True(result.MaxRelativeError < 1e-6, result.ToString());

        // a wrong adjoint (the transpose forgotten in the nonlinear term) is caught
        SolverAdjoint wrong = (xi, g, xb) =>
        {
            adjoint(xi, g, xb);
            xb[0] += 0.1 * g[0];
        };
        var bad = ForwardOperator.FromSolver(7, 7, forward, wrong);
        Assert.True(GradCheck.Check(v => bad.Apply(v[0]), [x]).MaxRelativeError > 1e-3);
    }

    [Fact]
    public void LinearAndDiagonalOperators_AreTheirMatrices_AndShapesAreChecked()
    {
        double[,] a = { { 1, 2, 0 }, { -1, 0.5, 3 } };
        var op = ForwardOperator.Linear(a);
        var tape = new Tape();
        Assert.Equal([5.0, 6.0], op.Apply(tape.Constant([1.0, 2, 2])).Value.ToArray());
        Assert.Equal([2.0, 3, -6], ForwardOperator.Diagonal([1, 1.5, -2]).Apply(tape.Constant([2.0, 2, 3])).Value.ToArray());
        Assert.Equal("x", Assert.Throws<ArgumentException>(() => op.Apply(tape.Constant([1.0, 2]))).ParamName);
    }

    [Fact]
    public void NoiseModels_MatchMathNetDensities_AndPoissonRefusesNonCounts()
    {
        var tape = new Tape();
        double[] y = [0.3, -1.2, 2.0], f = [0.1, -1.0, 1.5], sds = [0.5, 1.0, 2.0];
        double gaussian = NoiseModel.Gaussian(sds).LogLikelihood(tape.Constant(y), tape.Constant(f)).Item;
        Assert.Equal(Enumerable.Range(0, 3).Sum(i => MathNet.Numerics.Distributions.Normal.PDFLn(f[i], sds[i], y[i])), gaussian, 1e-12);
        double shared = NoiseModel.Gaussian(0.7).LogLikelihood(tape.Constant(y), tape.Constant(f)).Item;
        Assert.Equal(Enumerable.Range(0, 3).Sum(i => MathNet.Numerics.Distributions.Normal.PDFLn(f[i], 0.7, y[i])), shared, 1e-12);
        double[] counts = [0, 3, 7], rates = [0.5, 2.5, 6.0];
        double poisson = NoiseModel.Poisson().LogLikelihood(tape.Constant(counts), tape.Constant(rates)).Item;
        Assert.Equal(Enumerable.Range(0, 3).Sum(i => MathNet.Numerics.Distributions.Poisson.PMFLn(rates[i], (int)counts[i])), poisson, 1e-10);
        Assert.Equal("observed", Assert.Throws<ArgumentException>(() => NoiseModel.Poisson().Validate([1.5], "observed")).ParamName);
    }

    [Fact]
    public void GaussianMixturePrior_DensityMatchesTheFormula_AndDrawsHaveItsMoments()
    {
        double[,] means = { { -2, 0 }, { 1, 3 }, { 4, -1 } };
        double[] weights = [1, 2, 1];
        var prior = Prior.GaussianMixture(weights, means, 0.5);
        var tape = new Tape();
        double[] x = [0.2, 1.1, -1.5, 0.4];
        var lp = prior.LogDensity(tape.Constant(x, Shape.Matrix(2, 2))).Value.ToArray();
        for (int r = 0; r < 2; r++)
        {
            double p = 0;
            for (int c = 0; c < 3; c++)
            {
                p += weights[c] / 4 * MathNet.Numerics.Distributions.Normal.PDF(means[c, 0], 0.5, x[2 * r]) * MathNet.Numerics.Distributions.Normal.PDF(means[c, 1], 0.5, x[(2 * r) + 1]);
            }

            Assert.Equal(Math.Log(p), lp[r], 1e-10);
        }

        var rng = new Rng(5);
        int n = 20_000;
        var draw = new double[2];
        double sum = 0, sumSq = 0;
        for (int i = 0; i < n; i++)
        {
            prior.Sample(rng, draw);
            sum += draw[1];
            sumSq += draw[1] * draw[1];
        }

        double mean = sum / n, sd = Math.Sqrt((sumSq / n) - (mean * mean));
        double expected = (0.25 * 0) + (0.5 * 3) + (0.25 * -1);
        Assert.True(Math.Abs(mean - expected) < 4 * sd / Math.Sqrt(n), $"mean {mean} vs {expected}");
    }

    [Fact]
    public void PriorFromAnyLogDensity_EntersThePosteriorWithItsGradient()
    {
        var density = LogDensity.FromDelegates(
            2,
            x => -Math.Cosh(x[0]) - (0.5 * x[1] * x[1] * x[1] * x[1]),
            (x, g) =>
            {
                g[0] = -Math.Sinh(x[0]);
                g[1] = -2 * x[1] * x[1] * x[1];
                return -Math.Cosh(x[0]) - (0.5 * x[1] * x[1] * x[1] * x[1]);
            });
        var problem = new InverseProblem(Prior.FromDensity(density), ForwardOperator.Linear(new double[,] { { 1, 1 } }), NoiseModel.Gaussian(0.3));
        var posterior = problem.Posterior([0.4]);
        var evaluator = posterior.CreateEvaluator();
        double[] at = [0.3, -0.6];
        var gradient = new double[2];
        double value = evaluator.LogDensityAndGradient(at, gradient);
        double expected = -Math.Cosh(0.3) - (0.5 * Math.Pow(0.6, 4)) + MathNet.Numerics.Distributions.Normal.PDFLn(-0.3, 0.3, 0.4);
        Assert.Equal(expected, value, 1e-12);
        for (int j = 0; j < 2; j++)
        {
            var plus = at.ToArray();
            var minus = at.ToArray();
            plus[j] += 1e-6;
            minus[j] -= 1e-6;
            Assert.Equal((evaluator.LogDensity(plus) - evaluator.LogDensity(minus)) / 2e-6, gradient[j], 1e-6);
        }

        Assert.Throws<InvalidOperationException>(() => problem.Simulate(new Rng(1), 3)); // no sampler given
        Assert.Throws<InvalidOperationException>(() => new InverseProblem(Prior.FromSampler(2, (r, x) => r.Normal(x)), problem.Forward, problem.Noise).Posterior([0.4]));
    }

    [Fact]
    public void Simulate_AppliesTheNoise()
    {
        var problem = new InverseProblem(Prior.StandardNormal(3), ForwardOperator.Diagonal([1, 2, 3]), NoiseModel.Gaussian(0.5));
        var (x, y) = problem.Simulate(new Rng(7), 4000);
        double sumSq = 0;
        for (int i = 0; i < 4000; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                double e = y[(i * 3) + j] - ((j + 1) * x[(i * 3) + j]);
                sumSq += e * e;
            }
        }

        double variance = sumSq / 12_000;
        // the residual variance is σ² = 0.25 (sd of a sample variance of 12,000 normals: σ²·√(2/n))
        Assert.True(Math.Abs(variance - 0.25) < 4 * 0.25 * Math.Sqrt(2.0 / 12_000), $"residual variance {variance}");
    }

    // y = A x + N(0, σ²I), x ~ N(0, I): the posterior is N(μ, Σ), Σ = (I + AᵀA/σ²)⁻¹, μ = ΣAᵀy/σ²
    private static (InverseProblem Problem, Matrix<double> A, double Sigma) LinearGaussian()
    {
        double[,] a = { { 1.0, 0.5 }, { -0.3, 1.2 }, { 0.8, 0.8 } };
        return (new InverseProblem(Prior.StandardNormal(2), ForwardOperator.Linear(a), NoiseModel.Gaussian(0.5)), Matrix<double>.Build.DenseOfArray(a), 0.5);
    }

    private static (Vector<double> Mean, Matrix<double> Covariance) ExactPosterior(Matrix<double> a, double sigma, double[] y)
    {
        var precision = Matrix<double>.Build.DenseIdentity(2) + (a.TransposeThisAndMultiply(a) / (sigma * sigma));
        var covariance = precision.Inverse();
        return (covariance * a.TransposeThisAndMultiply(Vector<double>.Build.DenseOfArray(y)) / (sigma * sigma), covariance);
    }

    [Fact]
    public void PosteriorForOneObservation_IsTheExactPosterior_ForNuts()
    {
        var (problem, a, sigma) = LinearGaussian();
        double[] y = [0.9, -0.4, 1.3];
        var (mean, covariance) = ExactPosterior(a, sigma, y);
        var draws = ChainRunner.Nuts(problem.Posterior(y), new RunSettings { Chains = 4, Warmup = 500, Draws = 1000, Seed = 3 });
        var summary = draws.Summary();
        for (int j = 0; j < 2; j++)
        {
            var row = summary.Rows[j];
            Assert.True(Math.Abs(row.Mean - mean[j]) < 4 * row.Mcse, $"x[{j}]: NUTS {row.Mean} ± {row.Mcse}, exact {mean[j]}");
            Assert.Equal(Math.Sqrt(covariance[j, j]), row.Sd, 0.05);
        }
    }

    [Fact]
    public void AmortizedConditionalFlow_LearnsTheLinearGaussianPosterior_AndMatchesNutsOnOneObservation()
    {
        var (problem, a, sigma) = LinearGaussian();
        var flow = FlowDistribution.RealNvp(2, 3, [16, 16], new Rng(11), contextDimension: 3);
        var fit = AmortizedPosterior.Fit(flow, problem, new AmortizedOptions { Iterations = 1200, BatchSize = 128, LearningRate = 3e-3, HeldOutPairs = 2000, EvaluateEvery = 200, Seed = 12 });
        // the best any q can do: E log p(x | y) = −(d/2)(1 + log 2π) − ½ log det Σ (Σ is the same for every y)
        var (_, covariance) = ExactPosterior(a, sigma, [0, 0, 0]);
        double optimum = -(1 + Math.Log(2 * Math.PI)) - (0.5 * Math.Log(covariance.Determinant()));
        Assert.True(fit.HeldOutLogLikelihood < optimum + (4 * fit.HeldOutStandardError), $"held-out {fit.HeldOutLogLikelihood:F4} beats the optimum {optimum:F4}");
        Assert.True(fit.HeldOutLogLikelihood > optimum - 0.05, $"held-out {fit.HeldOutLogLikelihood:F4} vs the optimum {optimum:F4}");
        Assert.True(fit.ValidationLogLikelihood[^1].LogLikelihood > fit.ValidationLogLikelihood[0].LogLikelihood + 1);

        double[] y = [0.9, -0.4, 1.3];
        var comparison = PosteriorComparison.Compare(fit.Flow, problem, y, new PosteriorComparisonOptions { Nuts = new RunSettings { Chains = 2, Warmup = 300, Draws = 1000, Seed = 13 }, FlowDraws = 4000 });
        Assert.True(comparison.WorstStandardizedMeanError < 0.1, comparison.ToString());
        Assert.True(comparison.Psis.ParetoK < 0.5, comparison.ToString());
        Assert.Empty(comparison.Warnings);

        // an untrained flow on the same observation is flagged in words
        var untrained = PosteriorComparison.Compare(FlowDistribution.RealNvp(2, 3, [16, 16], new Rng(11), contextDimension: 3), problem, y, new PosteriorComparisonOptions { Nuts = new RunSettings { Chains = 2, Warmup = 300, Draws = 500, Seed = 13 }, FlowDraws = 2000 });
        Assert.NotEmpty(untrained.Warnings);
    }

    [Fact]
    public void AmortizedFit_OfALoadedFlow_ContinuesFromTheSavedParameters()
    {
        // warm start: a fit saved and loaded goes on where it stopped (its ActNorm layers keep their saved
        // initialization), so the continued fit's first held-out figure is the saved fit's last, on the same pairs
        var (problem, _, _) = LinearGaussian();
        var flow = FlowDistribution.ProximalResidualFlow(2, 2, 8, new Rng(21), contextDimension: 3, conditionHidden: 8);
        var options = new AmortizedOptions { Iterations = 150, BatchSize = 64, LearningRate = 3e-3, HeldOutPairs = 400, EvaluateEvery = 50, Seed = 22 };
        var first = AmortizedPosterior.Fit(flow, problem, options);
        string path = Path.Combine(Path.GetTempPath(), $"warm-start-{Guid.NewGuid():N}.flow");
        try
        {
            FlowSerializer.Save(first.Flow.Transform, path);
            var loaded = new FlowDistribution(FlowSerializer.Load(path));
            var second = AmortizedPosterior.Fit(loaded, problem, options with { Iterations = 300, LearningRate = 1e-3 });
            Assert.Equal(first.HeldOutLogLikelihood, second.ValidationLogLikelihood[0].LogLikelihood, 12);
            Assert.True(second.HeldOutLogLikelihood >= first.HeldOutLogLikelihood, $"continued {second.HeldOutLogLikelihood:F4} < saved {first.HeldOutLogLikelihood:F4}");

            // a fresh flow of the same shape starts far below
            var fresh = AmortizedPosterior.Fit(FlowDistribution.ProximalResidualFlow(2, 2, 8, new Rng(21), contextDimension: 3, conditionHidden: 8), problem, options with { Iterations = 1 });
            Assert.True(fresh.ValidationLogLikelihood[0].LogLikelihood < first.HeldOutLogLikelihood - 0.1, $"fresh {fresh.ValidationLogLikelihood[0].LogLikelihood:F4}, saved {first.HeldOutLogLikelihood:F4}");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
