// Inference engine tour: what the one-call API of the QuickStart stands on.
// Part 1: the autodiff engine on a real problem. A logistic regression on generated data, with its
// gradient from reverse-mode AD checked against the analytic gradient and then used to find the
// maximum-likelihood fit.
// Part 2: the model layer. Eight schools as a model, with its layout, a Stan-style initial point and the
// log-density split into prior, likelihood and Jacobian.
// Part 3: NUTS on eight schools with Stan's warmup, four parallel chains, and the diagnostics table.
//         `--output DIR` writes one Stan-CSV file per chain and summary.json there.
// Part 4: variational inference: a RealNVP flow fitted by reverse KL, judged by PSIS k̂.
// Part 5: NeuTra-NUTS: NUTS on the model pulled back through the fitted flow, against plain NUTS.
using System.Diagnostics;
using System.Globalization;
using Inference.Autodiff;
using Inference.Densities;
using Inference.Flows;
using Inference.Flows.Variational;
using Inference.Models;
using Inference.Modeling;
using Inference.Randomness;
using Inference.Results;
using Inference.Samplers.Reparam;
using Inference.Samplers.Running;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

const int N = 1000;
const int D = 5;
const int Seed = 2026;

// 1. Data: y ~ Bernoulli(σ(X β_true)).
var rng = new Random(Seed);
double[] betaTrue = [1.0, -2.0, 0.5, 0.0, 1.5];
var x = new Tensor(Shape.Matrix(N, D));
var y = new Tensor(Shape.Vector(N));
for (int i = 0; i < N; i++)
{
    double eta = 0;
    for (int j = 0; j < D; j++)
    {
        x[i, j] = (2 * rng.NextDouble()) - 1;
        eta += x[i, j] * betaTrue[j];
    }

    y[i] = rng.NextDouble() < 1 / (1 + Math.Exp(-eta)) ? 1 : 0;
}

// 2. The log-likelihood as tape code: Σ y·η − softplus(η), η = Xβ.
Var LogLikelihood(Var beta)
{
    var eta = Ops.MatMul(beta.Tape.Constant(x), beta);
    return Ops.Sum((beta.Tape.Constant(y) * eta) - Ops.Softplus(eta));
}

var evaluator = new GradientEvaluator(LogLikelihood, D);

// 3. AD gradient against the analytic one, Xᵀ(y − σ(Xβ)), at a random point.
var beta = new double[D];
for (int j = 0; j < D; j++)
{
    beta[j] = rng.NextDouble() - 0.5;
}

var grad = new double[D];
evaluator.ValueAndGradient(beta, grad);
var analytic = new double[D];
for (int i = 0; i < N; i++)
{
    double eta = 0;
    for (int j = 0; j < D; j++)
    {
        eta += x[i, j] * beta[j];
    }

    double r = y[i] - (1 / (1 + Math.Exp(-eta)));
    for (int j = 0; j < D; j++)
    {
        analytic[j] += r * x[i, j];
    }
}

double maxDiff = 0;
for (int j = 0; j < D; j++)
{
    maxDiff = Math.Max(maxDiff, Math.Abs(grad[j] - analytic[j]) / Math.Max(1, Math.Abs(analytic[j])));
}

Console.WriteLine($"Logistic regression, N = {N}, D = {D}, seed {Seed}");
Console.WriteLine($"AD vs analytic gradient: max relative difference {maxDiff:E2}");

// 4. Maximum likelihood by gradient ascent: the step doubles after each success and halves until the
//    Armijo condition holds.
Array.Clear(beta);
double lp = evaluator.ValueAndGradient(beta, grad);
var trial = new double[D];
var trialGrad = new double[D];
int iterations = 0;
double step = 1.0 / N;
var watch = Stopwatch.StartNew();
for (; iterations < 1000; iterations++)
{
    double gradNorm = Math.Sqrt(grad.Sum(g => g * g));
    if (gradNorm < 1e-6)
    {
        break;
    }

    double previous = lp;

    step *= 2;
    while (true)
    {
        for (int j = 0; j < D; j++)
        {
            trial[j] = beta[j] + (step * grad[j]);
        }

        double lpTrial = evaluator.ValueAndGradient(trial, trialGrad);
        if (lpTrial >= lp + (1e-4 * step * gradNorm * gradNorm) || step < 1e-12)
        {
            lp = lpTrial;
            Array.Copy(trial, beta, D);
            Array.Copy(trialGrad, grad, D);
            break;
        }

        step /= 2;
    }

    if (Math.Abs(lp - previous) < 1e-13 * Math.Abs(previous))
    {
        break;
    }
}

watch.Stop();
Console.WriteLine($"Maximum likelihood after {iterations} iterations ({watch.Elapsed.TotalMilliseconds:F1} ms): log-likelihood {lp:F4}, |gradient| {Math.Sqrt(grad.Sum(g => g * g)):E1}");
Console.WriteLine();
Console.WriteLine("coefficient   true      MLE");
for (int j = 0; j < D; j++)
{
    Console.WriteLine($"beta[{j}]     {betaTrue[j],6:F2}   {beta[j],7:F3}");
}

// 5. Speed after a one-second warm-up (lets the JIT finish tiering; the tape reuses its buffers).
watch.Restart();
while (watch.Elapsed.TotalSeconds < 1)
{
    evaluator.ValueAndGradient(beta, grad);
}

const int Reps = 5000;
double best = double.PositiveInfinity;
for (int batch = 0; batch < 5; batch++)
{
    watch.Restart();
    for (int i = 0; i < Reps; i++)
    {
        evaluator.ValueAndGradient(beta, grad);
    }

    best = Math.Min(best, watch.Elapsed.TotalMicroseconds / Reps);
}

Console.WriteLine();
Console.WriteLine($"Gradient cost: {best:F2} µs per gradient, best of 5 batches (N = {N}, D = {D})");

// ---------------------------------------------------------------------------------------------
// Part 2: eight schools (non-centered) from the model catalog.
var schools = EightSchools.NonCentered().Compile();
var schoolsEvaluator = schools.CreateModelEvaluator();
Console.WriteLine();
Console.WriteLine($"Eight schools (non-centered): {schools.Dimension} unconstrained coordinates");
foreach (var p in schools.Layout.Parameters)
{
    Console.WriteLine($"  {p.Name,-12} shape {p.Shape,-5} support {p.Constraint}");
}

var init = Initialization.Random(schools, new Rng(Seed));
var schoolsGrad = new double[schools.Dimension];
double schoolsLp = schoolsEvaluator.LogDensityAndGradient(init, schoolsGrad);
var parts = schoolsEvaluator.Parts(init);
Console.WriteLine($"At a uniform(−2, 2) initial point: log density {schoolsLp:F3} = prior {parts.LogPrior:F3} + likelihood {parts.LogLikelihood:F3} + log|J| {parts.LogJacobian:F3}");
var constrained = new double[schools.Layout.ConstrainedNames.Count];
schoolsEvaluator.Constrain(init, constrained);
Console.WriteLine("Constrained draw: " + string.Join(", ", schools.Layout.ConstrainedNames.Zip(constrained, (n, v) => $"{n} = {v:F2}").Take(12)) + ", ...");

// ---------------------------------------------------------------------------------------------
// Part 3: NUTS on eight schools (4 chains × 1000 draws after 1000 warmup, Stan's defaults).
string? outputDirectory = null;
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--output" && i + 1 < args.Length)
    {
        outputDirectory = args[++i];
    }
}

Console.WriteLine();
Console.WriteLine("NUTS on eight schools (non-centered): 4 chains × (1000 warmup + 1000 draws), seed 2026");
var nutsWatch = Stopwatch.StartNew();
var trace = ChainRunner.Nuts(schools, new RunSettings { Seed = Seed });
nutsWatch.Stop();
var summary = trace.Summary();
Console.Write(summary.ToString());
double essMin = summary.Rows.Min(r => r.EssBulk);
Console.WriteLine($"{trace.Divergences} divergences; {trace.SamplingGradients} gradients after warmup; min ESS_bulk {essMin:F0} " +
                  $"({1000 * essMin / trace.SamplingGradients:F1} per 1000 gradients); wall time {nutsWatch.Elapsed.TotalSeconds:F2} s; " +
                  $"step sizes {string.Join(", ", trace.Chains.Select(c => c.StepSize.ToString("F3", CultureInfo.InvariantCulture)))}");

if (outputDirectory is not null)
{
    var files = StanCsvWriter.WriteAll(trace, outputDirectory);
    using (var json = File.Create(Path.Combine(outputDirectory, "summary.json")))
    {
        JsonSummaryWriter.Write(summary, trace, json);
    }

    Console.WriteLine($"Wrote {string.Join(", ", files)} and summary.json");
}

// ---------------------------------------------------------------------------------------------
// Part 4: VI with a RealNVP flow (4 couplings, MLP 32×32) on the unconstrained space of eight schools,
// started at the Laplace approximation (mode and curvature), so training only learns the departures from it.
Console.WriteLine();
Console.WriteLine("VI: RealNVP (4 couplings, MLP 32×32) from the Laplace approximation, reverse KL, Adam 1e-3, batch 256, 2000 steps");
var laplace = LaplaceApproximation.Fit(schools);
var flow = FlowDistribution.RealNvp(schools.Dimension, 4, [32, 32], new Rng(Seed)).Whiten(laplace);
var fit = VariationalFit.Run(flow, schools, new VariationalOptions { Iterations = 2000, LearningRate = 1e-3, Seed = Seed });
string verdict = fit.ParetoK < 0.5 ? "good" : fit.ParetoK < 0.7 ? "usable with PSIS correction" : "unreliable: do not use these draws as the posterior";
Console.WriteLine($"ELBO {fit.Elbo:F3} ± {fit.ElboStandardError:F3}; PSIS k̂ {fit.ParetoK:F2} ({verdict}); {fit.Elapsed.TotalSeconds:F1} s");
Console.WriteLine("variable      q mean   PSIS mean   NUTS mean");
foreach (var name in new[] { "mu", "tau", "theta[1]" })
{
    int j = fit.Names.ToList().IndexOf(name);
    Console.WriteLine($"{name,-10} {fit.Means[j],9:F3} {fit.PsisMeans[j],11:F3} {summary[name].Mean,11:F3}");
}

// ---------------------------------------------------------------------------------------------
// Part 5: NeuTra-NUTS: sample z with NUTS on log p(T(z)) + log|det ∂T/∂z|, report x = T(z).
Console.WriteLine();
Console.WriteLine("NeuTra-NUTS: NUTS on eight schools pulled back through the fitted flow (same settings)");
var neutraWatch = Stopwatch.StartNew();
var neutra = ChainRunner.Nuts(new NeuTraDensity(schools, flow.Transform), new RunSettings { Seed = Seed });
neutraWatch.Stop();
var neutraSummary = neutra.Summary();
Console.Write(neutraSummary.ToString());
double neutraEss = neutraSummary.Rows.Min(r => r.EssBulk);
Console.WriteLine($"{neutra.Divergences} divergences; min ESS_bulk {neutraEss:F0}; ESS_bulk per 1000 gradients {1000 * neutraEss / neutra.SamplingGradients:F1} " +
                  $"(plain NUTS {1000 * essMin / trace.SamplingGradients:F1}); mean tree depth {neutra.Chains.SelectMany(c => c.Stats).Average(st => st.TreeDepth):F2} " +
                  $"(plain {trace.Chains.SelectMany(c => c.Stats).Average(st => st.TreeDepth):F2}); wall time {neutraWatch.Elapsed.TotalSeconds:F2} s");
