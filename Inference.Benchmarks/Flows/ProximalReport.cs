using System.Diagnostics;
using System.Globalization;
using Inference.Autodiff;
using Inference.Flows;
using Inference.Flows.Bijectors;
using Inference.Flows.InverseProblems;
using Inference.Flows.Variational;
using Inference.InverseProblems;
using Inference.Randomness;

namespace Inference.Benchmarks.Flows;

/// <summary>
/// `… -- prf-report toy|circle|mixture [steps] [blocks]`: the proximal residual flow experiments of Hertrich
/// (arXiv 2211.17158) at a budget this machine allows (his: 20 blocks, 40,000 steps). toy: held-out NLL on the four toy
/// densities; circle: the bimodal circle posteriors against the exact posterior on a grid (total variation, mass per
/// mode); mixture: KL(p‖q) over 10 observations of the 50-D mixture problem for the conditional PRF, RealNVP and NSF.
/// </summary>
internal static class ProximalReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static void Run(string[] args)
    {
        string what = args.Length > 0 ? args[0] : "toy";
        int steps = args.Length > 1 ? int.Parse(args[1], Inv) : 2000;
        int blocks = args.Length > 2 ? int.Parse(args[2], Inv) : 8;
        switch (what)
        {
            case "toy": Toy(steps, blocks); break;
            case "circle": Circle(steps, blocks); break;
            default: Mixture(steps, blocks); break;
        }
    }

    // ---------------------------------------------------------------- toy densities
    private static double[,] ToySamples(string name, Rng rng, int n)
    {
        var x = new double[n, 2];
        for (int i = 0; i < n; i++)
        {
            switch (name)
            {
                case "8gaussians":
                    double angle = 2 * Math.PI * rng.Next(8) / 8;
                    x[i, 0] = (2 * Math.Cos(angle)) + (0.2 * rng.Normal());
                    x[i, 1] = (2 * Math.Sin(angle)) + (0.2 * rng.Normal());
                    break;
                case "checkerboard":
                    double u = (rng.NextDouble() * 4) - 2, v = (rng.NextDouble() * 2) - 2 + (2 * (Math.Floor(u) % 2 == 0 ? 1 : 0));
                    x[i, 0] = u;
                    x[i, 1] = v + (rng.Next(2) * 2) - (Math.Floor(u) % 2 == 0 ? 1 : 0);
                    break;
                case "moons":
                    double t = Math.PI * rng.NextDouble();
                    bool upper = rng.Next(2) == 0;
                    x[i, 0] = (upper ? Math.Cos(t) : 1 - Math.Cos(t)) + (0.05 * rng.Normal());
                    x[i, 1] = (upper ? Math.Sin(t) : 0.5 - Math.Sin(t)) + (0.05 * rng.Normal());
                    break;
                default: // two circles, radii 1 and 0.5
                    double a = 2 * Math.PI * rng.NextDouble(), r = rng.Next(2) == 0 ? 1 : 0.5;
                    x[i, 0] = (r * Math.Cos(a)) + (0.05 * rng.Normal());
                    x[i, 1] = (r * Math.Sin(a)) + (0.05 * rng.Normal());
                    break;
            }
        }

        return x;
    }

    private static void Toy(int steps, int blocks)
    {
        Console.WriteLine($"Toy densities: proximal residual flow ({blocks} blocks, K = 3, hidden 64, r = 64, γ = 1.99, ActNorm), maximum likelihood, batch 200, Adam 1e-3, {steps} steps, 20,000 samples (20% held out)");
        Console.WriteLine("| density | held-out NLL (nats) ± se | RealNVP (8 × [64, 64]) same budget | ms/step |");
        Console.WriteLine("|---|---|---|---|");
        foreach (var name in new[] { "8gaussians", "checkerboard", "moons", "circles" })
        {
            var samples = ToySamples(name, new Rng(1), 20_000);
            var options = new DensityEstimationOptions { Iterations = steps, BatchSize = 200, LearningRate = 1e-3, EvaluateEvery = Math.Max(1, steps / 10), Seed = 2 };
            var prf = new FlowDistribution(new InverseFlow(FlowDistribution.ProximalResidualFlow(2, blocks, 64, new Rng(3), gamma: 1.99, reproduce: 64).Transform));
            var watch = Stopwatch.StartNew();
            var fit = DensityEstimation.Fit(prf, samples, options);
            double ms = watch.Elapsed.TotalMilliseconds / steps;
            var nvp = DensityEstimation.Fit(new FlowDistribution(new InverseFlow(FlowDistribution.RealNvp(2, 8, [64, 64], new Rng(4)).Transform)), samples, options);
            Console.WriteLine(string.Create(Inv, $"| {name} | {-fit.HeldOutLogLikelihood:F3} ± {fit.HeldOutStandardError:F3} | {-nvp.HeldOutLogLikelihood:F3} ± {nvp.HeldOutStandardError:F3} | {ms:F1} |"));
        }
    }

    // ---------------------------------------------------------------- circle problem
    private static InverseProblem CircleProblem()
    {
        // x = a point on the unit circle + N(0, 0.1²I); y = x₁ + N(0, 0.02²): the noise is applied (Hertrich's script forgot it)
        var prior = Prior.FromTape(
            2,
            x =>
            {
                // p(x) = ∫ N(x; (cos θ, sin θ), 0.01 I) dθ/2π by a 256-point rule on θ
                const int Points = 256;
                var t = x.Tape;
                var circle = new double[2 * Points];
                for (int k = 0; k < Points; k++)
                {
                    circle[2 * k] = Math.Cos(2 * Math.PI * k / Points);
                    circle[(2 * k) + 1] = Math.Sin(2 * Math.PI * k / Points);
                }

                var c = t.Constant(circle, Shape.Matrix(Points, 2));
                var cross = Ops.MatMul(x, Ops.Transpose(c));
                var sq = Ops.Reshape(Ops.Sum(Ops.Square(x), -1), Shape.Matrix(x.Shape[0], 1));
                var dist = sq - (2 * cross) + 1.0;
                return Ops.LogSumExp(dist * -50.0, -1) - Math.Log(Points) - Math.Log(2 * Math.PI * 0.01);
            },
            (rng, x) =>
            {
                double a = 2 * Math.PI * rng.NextDouble();
                x[0] = Math.Cos(a) + (0.1 * rng.Normal());
                x[1] = Math.Sin(a) + (0.1 * rng.Normal());
            });
        return new InverseProblem(prior, ForwardOperator.Linear(new double[,] { { 1, 0 } }), NoiseModel.Gaussian(0.02));
    }

    private static void Circle(int steps, int blocks)
    {
        var problem = CircleProblem();
        var flow = new FlowDistribution(new InverseFlow(FlowDistribution.ProximalResidualFlow(2, blocks, 64, new Rng(5), gamma: 1.99, reproduce: 64, contextDimension: 1, conditionHidden: 64).Transform));
        var watch = Stopwatch.StartNew();
        var fit = AmortizedPosterior.Fit(flow, problem, new AmortizedOptions { Iterations = steps, BatchSize = 800, LearningRate = 1e-3, EvaluateEvery = Math.Max(1, steps / 10), Seed = 6 });
        Console.WriteLine(string.Create(Inv, $"Circle problem: conditional proximal residual flow ({blocks} blocks, K = 3, hidden 64, r = 64, γ = 1.99), amortized maximum likelihood, batch 800, {steps} steps ({watch.Elapsed.TotalSeconds:F0} s); held-out log q(x | y) {fit.HeldOutLogLikelihood:F3} ± {fit.HeldOutStandardError:F3}"));
        Console.WriteLine("| y | total variation to the exact posterior (grid) | flow mass with x₂ > 0 | exact | draws |");
        Console.WriteLine("|---|---|---|---|---|");
        const int Grid = 240;
        double lo = -1.6, hi = 1.6, h = (hi - lo) / Grid;
        foreach (double y in new[] { 1.0, 0.7, 0.0, -0.7, -1.0 })
        {
            var points = new double[Grid * Grid * 2];
            for (int i = 0; i < Grid; i++)
            {
                for (int j = 0; j < Grid; j++)
                {
                    points[2 * ((i * Grid) + j)] = lo + ((i + 0.5) * h);
                    points[(2 * ((i * Grid) + j)) + 1] = lo + ((j + 0.5) * h);
                }
            }

            var tape = new Tape();
            double[] logQ, logP;
            using (tape.NoGrad())
            {
                logQ = flow.LogProb(tape.Constant(points, Shape.Matrix(Grid * Grid, 2)), tape.Constant([y])).Value.ToArray();
                var xs = tape.Constant(points, Shape.Matrix(Grid * Grid, 2));
                logP = (problem.Prior.LogDensity(xs) + problem.Noise.LogLikelihood(tape.Zeros(Shape.Matrix(Grid * Grid, 1)) + tape.Constant([y]), problem.Forward.Apply(xs))).Value.ToArray();
            }

            double zp = logP.Max(), sp = logP.Sum(v => Math.Exp(v - zp)), sq = logQ.Sum(v => Math.Exp(v));
            double tv = 0, massQ = 0, massP = 0;
            for (int k = 0; k < logP.Length; k++)
            {
                double p = Math.Exp(logP[k] - zp) / sp, q = Math.Exp(logQ[k]) / sq;
                tv += 0.5 * Math.Abs(p - q);
                if (points[(2 * k) + 1] > 0)
                {
                    massP += p;
                    massQ += q;
                }
            }

            var draws = flow.Sample(new Rng(7), 4000, [y]);
            double upper = Enumerable.Range(0, 4000).Count(i => draws[(2 * i) + 1] > 0) / 4000.0;
            Console.WriteLine(string.Create(Inv, $"| {y:F1} | {tv:F3} | {massQ:F3} | {massP:F3} | {upper:F3} |"));
        }
    }

    // ---------------------------------------------------------------- 50-D mixture problem
    private static void Mixture(int steps, int blocks)
    {
        var problem = MixtureProblem.Create();
        var (testX, testY) = problem.Simulate(new Rng(20), 10);
        var flows = new (string Name, FlowDistribution Flow)[]
        {
            ("proximal residual", new FlowDistribution(new InverseFlow(FlowDistribution.ProximalResidualFlow(50, blocks, 64, new Rng(8), gamma: 1.99, reproduce: 2, contextDimension: 50, conditionHidden: 64).Transform))),
            ("realnvp", new FlowDistribution(new InverseFlow(FlowDistribution.RealNvp(50, 6, [128], new Rng(9), contextDimension: 50).Transform))),
            ("nsf", new FlowDistribution(new InverseFlow(FlowDistribution.NeuralSpline(50, 4, [96], new Rng(10), contextDimension: 50).Transform))),
        };
        Console.WriteLine($"Mixture problem (d = 50): amortized maximum likelihood, batch 200, Adam 5e-3 with cosine decay, {steps} steps; KL(p‖q) by 10,000 exact posterior draws per test observation, mean ± sd over 10");
        Console.WriteLine("| flow | parameters | KL(p‖q) | max over coordinates of |mean error| / posterior sd (mean over y) | s |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var (name, flow) in flows)
        {
            var watch = Stopwatch.StartNew();
            var fit = AmortizedPosterior.Fit(flow, problem, new AmortizedOptions { Iterations = steps, BatchSize = 200, LearningRate = 5e-3, Schedule = Inference.Flows.Optimizers.LearningRateSchedule.Cosine(steps, 0.01), EvaluateEvery = Math.Max(1, steps / 5), HeldOutPairs = 1000, Seed = 11 });
            var kls = new List<double>();
            var errors = new List<double>();
            for (int t = 0; t < 10; t++)
            {
                var y = testY.AsSpan(t * 50, 50).ToArray();
                var posterior = MixtureProblem.Posterior(y);
                var draws = MixtureProblem.SamplePosterior(posterior, new Rng((ulong)(100 + t)), 10_000);
                var tape = new Tape();
                double[] logQ;
                using (tape.NoGrad())
                {
                    logQ = fit.Flow.LogProb(tape.Constant(draws, Shape.Matrix(10_000, 50)), tape.Constant(y)).Value.ToArray();
                }

                kls.Add(Enumerable.Range(0, 10_000).Average(i => MixtureProblem.LogPosterior(posterior, draws.AsSpan(i * 50, 50)) - logQ[i]));
                var flowDraws = fit.Flow.Sample(new Rng((ulong)(200 + t)), 4000, y);
                double worst = 0;
                var w = posterior.LogWeights.Select(Math.Exp).ToArray();
                for (int j = 0; j < 50; j++)
                {
                    double mean = Enumerable.Range(0, w.Length).Sum(c => w[c] * posterior.Means[c, j]);
                    double second = Enumerable.Range(0, w.Length).Sum(c => w[c] * ((posterior.Means[c, j] * posterior.Means[c, j]) + posterior.Variance[j]));
                    double sd = Math.Sqrt(second - (mean * mean));
                    double flowMean = Enumerable.Range(0, 4000).Average(i => flowDraws[(i * 50) + j]);
                    worst = Math.Max(worst, Math.Abs(flowMean - mean) / sd);
                }

                errors.Add(worst);
            }

            double klMean = kls.Average(), klSd = Math.Sqrt(kls.Sum(k => (k - klMean) * (k - klMean)) / (kls.Count - 1));
            Console.WriteLine(string.Create(Inv, $"| {name} | {flow.Transform.ParameterCount} | {klMean:F3} ± {klSd:F3} | {errors.Average():F3} (max {errors.Max():F3}) | {watch.Elapsed.TotalSeconds:F0} |"));
        }
    }
}
