using Stopwatch = System.Diagnostics.Stopwatch;
using Inference.Autodiff;
using Inference.Densities;
using Inference.Diagnostics;
using Inference.Flows.Optimizers;
using Inference.Randomness;
using Inference.Results;

namespace Inference.Flows.Variational;

/// <summary>Settings of a reverse-KL fit.</summary>
public sealed record VariationalOptions : FlowFitOptions
{
    /// <summary>Draws for the final ELBO and the PSIS diagnostic.</summary>
    public int EvaluationDraws { get; init; } = 4000;

    /// <summary>
    /// Use the sticking-the-landing gradient (Roeder, Wu and Duvenaud 2017): the score term ∇_φ log q_φ(x) at fixed x
    /// is dropped, so the gradient's variance vanishes as q approaches p. It can be noisier than the standard
    /// estimator while q is still poor. Needs a flow with an analytic inverse.
    /// </summary>
    public bool StickingTheLanding { get; init; }

    /// <summary>
    /// K for the importance-weighted ELBO (Burda, Grosse and Salakhutdinov 2016): the batch is split into groups of
    /// K draws and the objective is the mean over groups of log((1/K)·Σ p̃/q), a tighter bound that rewards a q
    /// wider than the mode-seeking reverse KL gives. 1 is the standard ELBO; BatchSize must be a multiple of K.
    /// </summary>
    public int ImportanceSamples { get; init; } = 1;

    /// <summary>
    /// Independent fits from fresh initializations (<see cref="VariationalFit.Run(Func{Rng, FlowDistribution}, ILogDensity, VariationalOptions?, IProgress{FitProgress}?, CancellationToken)"/>);
    /// the one with the highest final ELBO is kept. Guards against a poor local optimum.
    /// </summary>
    public int Restarts { get; init; } = 1;

    /// <summary>Anneal the target over the first steps: ℓ → β·ℓ with β rising linearly to 1 (0: no annealing).</summary>
    public int AnnealingSteps { get; init; }

    /// <summary>
    /// Stop when the ELBO averaged over the last <see cref="SmoothingWindow"/> steps has not improved by more than
    /// <see cref="EarlyStoppingTolerance"/> for this many steps (0: never stop early). Annealing steps never count.
    /// </summary>
    public int EarlyStoppingPatience { get; init; }

    /// <summary>Steps averaged in the smoothed ELBO used for early stopping.</summary>
    public int SmoothingWindow { get; init; } = 100;

    /// <summary>Smallest gain of the smoothed ELBO that counts as an improvement.</summary>
    public double EarlyStoppingTolerance { get; init; } = 1e-3;

    /// <summary>
    /// Split each batch into two fixed halves computed on two threads (the halves are the same on one thread, so
    /// the results do not depend on this setting).
    /// </summary>
    public bool Parallel { get; init; } = true;

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
#pragma warning disable CA2208 // the exceptions name the offending setting
        ArgumentOutOfRangeException.ThrowIfLessThan(EvaluationDraws, 10, nameof(EvaluationDraws));
        ArgumentOutOfRangeException.ThrowIfNegative(AnnealingSteps, nameof(AnnealingSteps));
        ArgumentOutOfRangeException.ThrowIfNegative(EarlyStoppingPatience, nameof(EarlyStoppingPatience));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(SmoothingWindow, nameof(SmoothingWindow));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ImportanceSamples, nameof(ImportanceSamples));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Restarts, nameof(Restarts));
        if (BatchSize % ImportanceSamples != 0)
        {
            throw new ArgumentException($"BatchSize ({BatchSize}) must be a multiple of ImportanceSamples ({ImportanceSamples}).", nameof(ImportanceSamples));
        }

        if (StickingTheLanding && ImportanceSamples > 1)
        {
            throw new ArgumentException("Sticking the landing is biased for the importance-weighted ELBO; use one or the other.", nameof(StickingTheLanding));
        }
#pragma warning restore CA2208
    }
}

/// <summary>A progress report of a fit.</summary>
/// <param name="Iteration">Steps done.</param>
/// <param name="Iterations">Steps planned.</param>
/// <param name="Elbo">The ELBO estimate of the last step.</param>
public readonly record struct FitProgress(int Iteration, int Iterations, double Elbo);

/// <summary>The outcome of a variational fit, with an honest quality check.</summary>
public sealed class FitResult : Inference.Transforms.IFittedTransport
{
    internal FitResult(FlowDistribution flow, double[] elboHistory, double elbo, double elboStandardError, PsisResult psis, IReadOnlyList<string> names, double[] means, double[] sds, double[] psisMeans, double[] psisSds, int skipped, bool completed, TimeSpan elapsed)
    {
        Flow = flow;
        RestartElbos = [elbo];
        ElboHistory = elboHistory;
        Elbo = elbo;
        ElboStandardError = elboStandardError;
        Psis = psis;
        Names = names;
        Means = means;
        StandardDeviations = sds;
        PsisMeans = psisMeans;
        PsisStandardDeviations = psisSds;
        SkippedSteps = skipped;
        Completed = completed;
        Elapsed = elapsed;
    }

    /// <summary>The fitted flow (with restarts: the best one).</summary>
    public FlowDistribution Flow { get; }

    /// <inheritdoc/>
    Inference.Transforms.IBijector Inference.Transforms.IFittedTransport.Transform => Flow.Transform;

    /// <summary>The final ELBO of every restart, in order (one entry without restarts).</summary>
    public IReadOnlyList<double> RestartElbos { get; internal set; }

    /// <summary>The batch objective at each step (the ELBO, or the importance-weighted ELBO when K &gt; 1).</summary>
    public IReadOnlyList<double> ElboHistory { get; }

    /// <summary>The final ELBO, E_q[log p̃(x) − log q(x)], over the evaluation draws.</summary>
    public double Elbo { get; }

    /// <summary>Its Monte Carlo standard error.</summary>
    public double ElboStandardError { get; }

    /// <summary>PSIS of log p̃ − log q over the evaluation draws: <c>Psis.ParetoK</c> below 0.5 good, above 0.7 unreliable.</summary>
    public PsisResult Psis { get; }

    /// <summary>PSIS k̂.</summary>
    public double ParetoK => Psis.ParetoK;

    /// <summary>Names of the summarized values (constrained parameters and derived quantities for a model).</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Means under q.</summary>
    public IReadOnlyList<double> Means { get; }

    /// <summary>Standard deviations under q.</summary>
    public IReadOnlyList<double> StandardDeviations { get; }

    /// <summary>PSIS-corrected posterior means (meaningful while k̂ &lt; 0.7).</summary>
    public IReadOnlyList<double> PsisMeans { get; }

    /// <summary>PSIS-corrected posterior standard deviations.</summary>
    public IReadOnlyList<double> PsisStandardDeviations { get; }

    /// <summary>Steps skipped because the batch log-density was not finite.</summary>
    public int SkippedSteps { get; }

    /// <summary>False when cancelled.</summary>
    public bool Completed { get; }

    /// <summary>Wall time.</summary>
    public TimeSpan Elapsed { get; }
}

/// <summary>
/// Variational inference by reverse KL: maximizes the ELBO E_z[log p̃(T(z)) + log|det ∂T/∂z| − log N(z)] over the
/// flow's parameters with reparameterized gradients and Adam, then judges the fit with PSIS (Yao et al. 2018).
/// </summary>
public static class VariationalFit
{
    /// <summary>
    /// Fits <see cref="VariationalOptions.Restarts"/> flows made by <paramref name="createFlow"/> (each from its own
    /// random stream, so each starts elsewhere) and returns the fit with the highest final ELBO;
    /// <see cref="FitResult.RestartElbos"/> lists them all.
    /// </summary>
    public static FitResult Run(Func<Rng, FlowDistribution> createFlow, ILogDensity target, VariationalOptions? options = null, IProgress<FitProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(createFlow);
        ArgumentNullException.ThrowIfNull(target);
        options ??= new VariationalOptions();
        options.Validate();
        var seeds = new SeedSequence(options.Seed);
        FitResult? best = null;
        var elbos = new List<double>();
        for (int r = 0; r < options.Restarts; r++)
        {
            var flow = createFlow(seeds.Stream(2 * r));
            var fit = Run(flow, target, options with { Seed = seeds.Stream((2 * r) + 1).NextUInt64() }, progress, cancellationToken);
            elbos.Add(fit.Elbo);
            if (best is null || fit.Elbo > best.Elbo || double.IsNaN(best.Elbo))
            {
                best = fit;
            }

            if (!fit.Completed)
            {
                break;
            }
        }

        best!.RestartElbos = elbos.ToArray();
        return best;
    }

    /// <summary>Fits <paramref name="flow"/> to <paramref name="target"/> (on its unconstrained space).</summary>
    public static FitResult Run(FlowDistribution flow, ILogDensity target, VariationalOptions? options = null, IProgress<FitProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(flow);
        ArgumentNullException.ThrowIfNull(target);
        options ??= new VariationalOptions();
        options.Validate();
        if (flow.Dimension != target.Dimension)
        {
            throw new ArgumentException($"The flow has dimension {flow.Dimension}; the target has {target.Dimension}.", nameof(flow));
        }

        var watch = Stopwatch.StartNew();
        int d = target.Dimension, batch = options.BatchSize;
        var seeds = new SeedSequence(options.Seed);
        var rng = seeds.Stream(0);
        if (options.StickingTheLanding && !flow.Transform.HasAnalyticInverse)
        {
            throw new ArgumentException("Sticking the landing needs a flow with an analytic inverse.", nameof(options));
        }

        var optimizer = new Adam(flow.Parameters(), options.LearningRate, schedule: options.Schedule);
        using var step = new ReverseKlStep(flow, target, batch, options.ImportanceSamples, options.StickingTheLanding, options.Parallel);
        var noise = new double[batch * d];
        var history = new List<double>(options.Iterations);
        int skipped = 0;
        double bestSmoothed = double.NegativeInfinity, windowSum = 0;
        int sinceImprovement = 0, windowCount = 0;
        var window = new double[options.SmoothingWindow];
        bool completed = true;
        int reportEvery = Math.Max(1, options.Iterations / 100);
        for (int it = 0; it < options.Iterations; it++)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                completed = false;
                break;
            }

            rng.Normal(noise);
            double beta = options.AnnealingSteps > 0 ? Math.Min(1, (it + 1.0) / options.AnnealingSteps) : 1;
            double value = step.Run(noise, beta);
            history.Add(value);
            if (!double.IsFinite(value))
            {
                skipped++;
                continue;
            }

            optimizer.ClipGradientNorm(options.GradientClip);
            optimizer.Step();
            if (progress is not null && (it + 1) % reportEvery == 0)
            {
                progress.Report(new FitProgress(it + 1, options.Iterations, value));
            }

            if (options.EarlyStoppingPatience > 0 && it >= options.AnnealingSteps)
            {
                // smoothed ELBO over the last window of finite steps (a ring buffer of the values in the window)
                int slot = windowCount % window.Length;
                if (windowCount >= window.Length)
                {
                    windowSum -= window[slot];
                }

                window[slot] = value;
                windowSum += value;
                windowCount++;
                if (windowCount >= window.Length)
                {
                    double smoothed = windowSum / window.Length;
                    if (smoothed > bestSmoothed + options.EarlyStoppingTolerance)
                    {
                        bestSmoothed = smoothed;
                        sinceImprovement = 0;
                    }
                    else if (++sinceImprovement >= options.EarlyStoppingPatience)
                    {
                        break;
                    }
                }
            }
        }

        return Evaluate(flow, target, options.EvaluationDraws, seeds.Stream(1), history.ToArray(), skipped, completed, watch);
    }

    // the ELBO (K = 1) or the importance-weighted ELBO: mean over groups of K of log((1/K)·Σ exp(log w))
    internal static Var Objective(Var logW, int batch, int k) =>
        k == 1 ? Ops.Mean(logW) : Ops.Mean(Ops.LogSumExp(Ops.Reshape(logW, Shape.Matrix(batch / k, k)), -1)) - Math.Log(k);

    /// <summary>
    /// log p̃ of each row of a [batch, d] tape value, as a custom op: the forward pass evaluates the target and its
    /// gradients through the evaluator's batched call (row by row for most densities, in one tape pass for
    /// <see cref="LogDensity.FromBatchedTape"/>); the vector-Jacobian product reuses them.
    /// </summary>
    internal static CustomOp BatchTargetOp(ILogDensityEvaluator evaluator, int batch, int d)
    {
        var gradients = new double[batch * d];
        return new CustomOp(
            "target-log-density",
            (in CustomOpInputs inputs, Span<double> output) => evaluator.LogDensityAndGradientBatch(inputs[0], output, gradients),
            (in CustomOpInputs inputs, ReadOnlySpan<double> output, ReadOnlySpan<double> outputGrad, in CustomOpGradients inputGrads) =>
            {
                if (!inputGrads.IsRequired(0))
                {
                    return;
                }

                var g = inputGrads[0];
                for (int b = 0; b < outputGrad.Length; b++)
                {
                    for (int j = 0; j < d; j++)
                    {
                        g[(b * d) + j] += outputGrad[b] * gradients[(b * d) + j];
                    }
                }
            });
    }

    /// <summary>The gradient estimate of one batch (for tests and diagnostics of the estimators): ∇_φ of −ELBO at fixed base draws.</summary>
    internal static double[] GradientAt(FlowDistribution flow, ILogDensity target, double[] baseDraws, bool stickingTheLanding)
    {
        int d = flow.Dimension, batch = baseDraws.Length / d;
        var evaluator = target.CreateEvaluator();
        var targetOp = BatchTargetOp(evaluator, batch, d);
        var tape = new Tape();
        var (x, logQ) = flow.PushForward(tape.Constant(baseDraws, Shape.Matrix(batch, d)));
        var logP = Ops.Custom(targetOp, Shape.Vector(batch), x);
        var loss = stickingTheLanding ? -new StickingTheLanding(flow, batch).Surrogate(x, logP) : -Ops.Mean(logP - logQ);
        flow.Transform.ZeroGrad();
        tape.Backward(loss);
        flow.Transform.CollectGradients(tape);
        return flow.Parameters().SelectMany(p => p.Grad).ToArray();
    }

    /// <summary>
    /// <paramref name="count"/> independent draws from the fitted <paramref name="flow"/> as a one-chain
    /// <see cref="PosteriorDraws"/> on the target's reported scale (a model's constrained parameters and derived
    /// quantities), so the summary, diagnostics and writers work on VI results too. lp__ holds log p̃ of each draw.
    /// </summary>
    public static PosteriorDraws Draws(FlowDistribution flow, ILogDensity target, int count, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(flow);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        if (flow.Dimension != target.Dimension)
        {
            throw new ArgumentException($"The flow has dimension {flow.Dimension}; the target has {target.Dimension}.", nameof(flow));
        }

        int d = flow.Dimension;
        var x = flow.Sample(new Rng(seed), count);
        var constrained = target as IConstrainedDensity;
        var names = constrained?.ConstrainedNames ?? target.CoordinateNames;
        var mapper = constrained?.CreateConstrainer();
        var evaluator = target.CreateEvaluator();
        var values = new double[count * names.Count];
        var stats = new DrawStats[count];
        for (int s = 0; s < count; s++)
        {
            var xs = x.AsSpan(s * d, d);
            var row = values.AsSpan(s * names.Count, names.Count);
            if (mapper is null)
            {
                xs.CopyTo(row);
            }
            else
            {
                mapper.Constrain(xs, row);
            }

            double lp = evaluator.LogDensity(xs);
            stats[s] = new DrawStats(lp, double.NaN, double.NaN, 0, 0, false, double.NaN);
        }

        return new PosteriorDraws(names, [new ChainDraws(names.Count, values, count, stats) { Seed = seed }], completed: true, "vi", seed);
    }

    private static FitResult Evaluate(FlowDistribution flow, ILogDensity target, int draws, Rng rng, double[] history, int skipped, bool completed, Stopwatch watch)
    {
        int d = flow.Dimension;
        var tape = new Tape();
        double[] x, logQ;
        using (tape.NoGrad())
        {
            var (xv, lq) = flow.SampleWithLogProb(tape, rng, draws);
            x = xv.Value.ToArray();
            logQ = lq.Value.ToArray();
        }

        var evaluator = target.CreateEvaluator();
        var logW = new double[draws];
        for (int s = 0; s < draws; s++)
        {
            double lp = evaluator.LogDensity(x.AsSpan(s * d, d));
            logW[s] = double.IsNaN(lp) ? double.NegativeInfinity : lp - logQ[s];
        }

        var finite = logW.Where(double.IsFinite).ToArray();
        double elbo = finite.Length == draws ? finite.Average() : double.NegativeInfinity;
        double se = finite.Length > 1 ? Math.Sqrt(finite.Select(v => (v - elbo) * (v - elbo)).Sum() / (finite.Length - 1) / finite.Length) : double.NaN;
        var psis = Psis.Smooth(logW.Select(v => double.IsFinite(v) ? v : -1e300).ToArray());

        // summaries on the reported scale (constrained values for a model)
        var constrained = target as IConstrainedDensity;
        var names = constrained?.ConstrainedNames ?? target.CoordinateNames;
        var mapper = constrained?.CreateConstrainer();
        int columns = names.Count;
        var row = new double[columns];
        var sum = new double[columns];
        var sumSq = new double[columns];
        var wSum = new double[columns];
        var wSumSq = new double[columns];
        var weights = psis.Weights();
        for (int s = 0; s < draws; s++)
        {
            var xs = x.AsSpan(s * d, d);
            if (mapper is null)
            {
                xs.CopyTo(row);
            }
            else
            {
                mapper.Constrain(xs, row);
            }

            for (int j = 0; j < columns; j++)
            {
                sum[j] += row[j];
                sumSq[j] += row[j] * row[j];
                wSum[j] += weights[s] * row[j];
                wSumSq[j] += weights[s] * row[j] * row[j];
            }
        }

        var means = sum.Select(v => v / draws).ToArray();
        var sds = sumSq.Select((v, j) => Math.Sqrt(Math.Max(0, (v / draws) - (means[j] * means[j])) * draws / (draws - 1))).ToArray();
        var psisSds = wSumSq.Select((v, j) => Math.Sqrt(Math.Max(0, v - (wSum[j] * wSum[j])))).ToArray();
        return new FitResult(flow, history, elbo, se, psis, names, means, sds, wSum, psisSds, skipped, completed, watch.Elapsed);
    }
}

/// <summary>
/// The sticking-the-landing surrogate: with g = ∇ₓ log q_φ̄(x) computed on a separate tape at the current
/// parameters (treated as constants), the objective mean(log p̃(x) − gᵀx) has φ-gradient equal to the STL
/// estimate, because x keeps its dependence on φ while the score term is dropped.
/// </summary>
internal sealed class StickingTheLanding(FlowDistribution flow, int batch)
{
    // the score is taken at fixed parameters: only ∂/∂x is needed on this tape
    private readonly Tape _tape = new() { BindsVariables = false };
    private readonly double[] _scoreX = new double[batch * flow.Dimension];

    public Var Surrogate(Var x, Var logP)
    {
        int d = flow.Dimension;
        _tape.Reset();
        var xv = _tape.Variable(x.Value, x.Shape);
        _tape.Backward(Ops.Sum(flow.LogProb(xv)));
        xv.Grad.CopyTo(_scoreX);
        var g = x.Tape.Constant(_scoreX, Shape.Matrix(batch, d));
        return Ops.Mean(logP - Ops.Sum(g * x, -1));
    }
}
