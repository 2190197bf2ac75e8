using Stopwatch = System.Diagnostics.Stopwatch;
using Inference.Autodiff;
using Inference.Densities;
using Inference.Diagnostics;
using Inference.Flows.Optimizers;
using Inference.Randomness;
using Inference.Results;

namespace Inference.Flows.Variational;

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
        long dropped = 0;
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

            dropped += step.Dropped;

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

        var training = new TrainingRecord(history.ToArray(), options.Iterations, batch, skipped, dropped, completed)
        {
            BatchFallback = (target as Modeling.CompiledModel)?.BatchFallbackReason,
        };
        return Evaluate(flow, target, options.EvaluationDraws, seeds.Stream(1), training, watch);
    }

    // the ELBO (K = 1) or the importance-weighted ELBO: mean over groups of K of log((1/K)·Σ exp(log w))
    internal static Var Objective(Var logW, int batch, int k) =>
        k == 1 ? Ops.Mean(logW) : Ops.Mean(Ops.LogSumExp(Ops.Reshape(logW, Shape.Matrix(batch / k, k)), -1)) - Math.Log(k);

    // the objective over the rows whose target was finite: the ELBO's mean over the kept rows; for K > 1 a dropped
    // row's weight is zero (log w = −∞), so a group keeps its other draws (and is lost only when all K are dropped)
    internal static Var Objective(Var logW, int batch, int k, TargetRows rows) =>
        rows.Dropped == 0 ? Objective(logW, batch, k)
        : k == 1 ? Ops.Sum(logW * logW.Tape.Constant(rows.Mask)) / (batch - rows.Dropped)
        : Objective(logW + logW.Tape.Constant(rows.LogMask), batch, k);

    /// <summary>
    /// log p̃ of each row of a [batch, d] tape value, as a custom op: the forward pass evaluates the target and its
    /// gradients through the evaluator's batched call (row by row for most densities, in one tape pass for
    /// <see cref="LogDensity.FromBatchedTape"/>); the vector-Jacobian product reuses them. With <paramref name="rows"/>,
    /// a row whose log p̃ is not finite (NaN where the model cannot be evaluated, −∞ outside its support) is marked
    /// dropped there, and its value and gradient are set to zero so that it cannot poison the step.
    /// </summary>
    internal static CustomOp BatchTargetOp(ILogDensityEvaluator evaluator, int batch, int d, TargetRows? rows = null)
    {
        var gradients = new double[batch * d];
        return new CustomOp(
            "target-log-density",
            (in CustomOpInputs inputs, Span<double> output) =>
            {
                evaluator.LogDensityAndGradientBatch(inputs[0], output, gradients);
                rows?.Mark(output, gradients, d);
            },
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

        return new PosteriorDraws(names, [new ChainDraws(names.Count, values, count, stats) { Seed = seed }], completed: true, "vi", seed) { AreIndependent = true };
    }

    private static FitResult Evaluate(FlowDistribution flow, ILogDensity target, int draws, Rng rng, TrainingRecord training, Stopwatch watch)
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

        // a draw where the target is not finite has importance weight zero; the ELBO is the mean over the others,
        // and the fit's warnings say how many there were
        var finite = logW.Where(double.IsFinite).ToArray();
        double elbo = finite.Length > 0 ? finite.Average() : double.NaN;
        double se = finite.Length > 1 ? Math.Sqrt(finite.Select(v => (v - elbo) * (v - elbo)).Sum() / (finite.Length - 1) / finite.Length) : double.NaN;
        var psis = Psis.Smooth(logW.Select(v => double.IsFinite(v) ? v : -1e300).ToArray());
        training = training with { EvaluationDraws = draws, NonFiniteEvaluationDraws = draws - finite.Length };

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
        return new FitResult(flow, target, training, elbo, se, psis, names, means, sds, wSum, psisSds, watch.Elapsed);
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

    public Var Surrogate(Var x, Var logP) => Surrogate(x, logP, null);

    /// <summary>The surrogate over the rows <paramref name="rows"/> kept (all rows when null).</summary>
    public Var Surrogate(Var x, Var logP, TargetRows? rows)
    {
        int d = flow.Dimension;
        _tape.Reset();
        var xv = _tape.Variable(x.Value, x.Shape);
        _tape.Backward(Ops.Sum(flow.LogProb(xv)));
        xv.Grad.CopyTo(_scoreX);
        var g = x.Tape.Constant(_scoreX, Shape.Matrix(batch, d));
        var terms = logP - Ops.Sum(g * x, -1);
        return rows is null || rows.Dropped == 0 ? Ops.Mean(terms) : Ops.Sum(terms * x.Tape.Constant(rows.Mask)) / (batch - rows.Dropped);
    }
}

/// <summary>
/// Which rows of a batch had a finite target log-density in the last evaluation: the others are left out of the
/// objective (weight 0 in <see cref="Mask"/>, log-weight −∞ in <see cref="LogMask"/>) and counted.
/// </summary>
internal sealed class TargetRows(int rows)
{
    public double[] Mask { get; } = new double[rows];

    public double[] LogMask { get; } = new double[rows];

    public int Dropped { get; private set; }

    /// <summary>
    /// Marks the rows whose value or gradient is not finite (a finite value with a NaN gradient would poison the
    /// parameters as surely as a NaN value), and zeroes their value and gradient.
    /// </summary>
    public void Mark(Span<double> values, Span<double> gradients, int d)
    {
        Dropped = 0;
        for (int b = 0; b < values.Length; b++)
        {
            bool finite = double.IsFinite(values[b]) && AllFinite(gradients.Slice(b * d, d));
            Mask[b] = finite ? 1 : 0;
            LogMask[b] = finite ? 0 : double.NegativeInfinity;
            if (!finite)
            {
                Dropped++;
                values[b] = 0;
                gradients.Slice(b * d, d).Clear();
            }
        }
    }

    private static bool AllFinite(ReadOnlySpan<double> values)
    {
        foreach (double v in values)
        {
            if (!double.IsFinite(v))
            {
                return false;
            }
        }

        return true;
    }
}
