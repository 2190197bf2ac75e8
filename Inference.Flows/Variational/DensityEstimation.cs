using Stopwatch = System.Diagnostics.Stopwatch;
using Inference.Autodiff;
using Inference.Flows.Modules;
using Inference.Flows.Optimizers;
using Inference.Randomness;

namespace Inference.Flows.Variational;

/// <summary>Settings of a forward-KL (maximum-likelihood) fit.</summary>
public sealed record DensityEstimationOptions : FlowFitOptions
{
    /// <summary>Fraction of the samples held out (never trained on) for validation and the final held-out log-likelihood.</summary>
    public double ValidationFraction { get; init; } = 0.2;

    /// <summary>Steps between evaluations of the held-out log-likelihood.</summary>
    public int EvaluateEvery { get; init; } = 100;

    /// <summary>
    /// Stop after this many evaluations without a better held-out log-likelihood (0: never stop early). In every
    /// case the parameters with the best held-out log-likelihood are restored at the end.
    /// </summary>
    public int EarlyStoppingPatience { get; init; }

    /// <summary>Weight of the flow's regularization (<see cref="Bijectors.FlowBijector.Penalty"/>, e.g. a proximal residual flow's orthogonality penalty).</summary>
    public double PenaltyWeight { get; init; } = 1;

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
#pragma warning disable CA2208 // the exceptions name the offending setting
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(EvaluateEvery, nameof(EvaluateEvery));
        ArgumentOutOfRangeException.ThrowIfNegative(EarlyStoppingPatience, nameof(EarlyStoppingPatience));

        if (!(ValidationFraction > 0 && ValidationFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(ValidationFraction), ValidationFraction, "Must be in (0, 1).");
        }
#pragma warning restore CA2208
    }
}

/// <summary>The outcome of a forward-KL fit.</summary>
public sealed class DensityFitResult
{
    internal DensityFitResult(FlowDistribution flow, double[] training, (int, double)[] validation, double heldOut, double heldOutSe, int heldOutCount, bool completed, TimeSpan elapsed)
    {
        Flow = flow;
        TrainingLogLikelihood = training;
        ValidationLogLikelihood = validation;
        HeldOutLogLikelihood = heldOut;
        HeldOutStandardError = heldOutSe;
        HeldOutCount = heldOutCount;
        Completed = completed;
        Elapsed = elapsed;
    }

    /// <summary>The fitted flow (at its best held-out log-likelihood).</summary>
    public FlowDistribution Flow { get; }

    /// <summary>Mean log q over each step's minibatch.</summary>
    public IReadOnlyList<double> TrainingLogLikelihood { get; }

    /// <summary>Mean held-out log q at each evaluation: (step, value).</summary>
    public IReadOnlyList<(int Step, double LogLikelihood)> ValidationLogLikelihood { get; }

    /// <summary>Mean log q per held-out point with the restored parameters.</summary>
    public double HeldOutLogLikelihood { get; }

    /// <summary>Its standard error (sd of the pointwise values / √n).</summary>
    public double HeldOutStandardError { get; }

    /// <summary>Number of held-out points.</summary>
    public int HeldOutCount { get; }

    /// <summary>False when cancelled.</summary>
    public bool Completed { get; }

    /// <summary>Wall time.</summary>
    public TimeSpan Elapsed { get; }
}

/// <summary>
/// Density estimation by forward KL: fits a flow to samples by maximum likelihood, log q(x) = log N(T⁻¹(x)) +
/// log|det ∂T⁻¹/∂x|, on a training part, and reports the log-likelihood on a held-out part. Flows whose inverse is
/// one pass (MAF, couplings, splines) suit it; an IAF's inverse costs D passes.
/// </summary>
public static class DensityEstimation
{
    /// <summary>Fits <paramref name="flow"/> to the rows of <paramref name="samples"/> [n, D].</summary>
    public static DensityFitResult Fit(FlowDistribution flow, double[,] samples, DensityEstimationOptions? options = null, IProgress<FitProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(flow);
        ArgumentNullException.ThrowIfNull(samples);
        options ??= new DensityEstimationOptions();
        options.Validate();
        int n = samples.GetLength(0), d = samples.GetLength(1);
        if (d != flow.Dimension)
        {
            throw new ArgumentException($"The samples have {d} columns; the flow has dimension {flow.Dimension}.", nameof(samples));
        }

        int held = (int)Math.Round(n * options.ValidationFraction);
        if (held < 2 || n - held < 2)
        {
            throw new ArgumentException($"{n} samples are too few to split into training and held-out parts.", nameof(samples));
        }

        foreach (double v in samples)
        {
            if (!double.IsFinite(v))
            {
                throw new ArgumentException("The samples must be finite.", nameof(samples));
            }
        }

        var watch = Stopwatch.StartNew();
        var seeds = new SeedSequence(options.Seed);
        var rng = seeds.Stream(0);
        var order = Enumerable.Range(0, n).ToArray();
        rng.Shuffle(order);
        var train = Rows(samples, order.AsSpan(held), d);
        var validation = Rows(samples, order.AsSpan(0, held), d);
        int trainCount = n - held;

        var parameters = flow.Parameters().ToArray();
        var optimizer = new Adam(parameters, options.LearningRate, schedule: options.Schedule);
        // data-dependent initializations (ActNorm) see training data first, never the held-out part
        var first = new Tape();
        using (first.NoGrad())
        {
            _ = flow.LogProb(first.Constant(train.AsSpan(0, Math.Min(trainCount, options.BatchSize) * d), Shape.Matrix(Math.Min(trainCount, options.BatchSize), d)));
        }

        var best = Snapshot(parameters);
        double bestValidation = HeldOut(flow, validation, d).Mean;
        var validationHistory = new List<(int, double)> { (0, bestValidation) };
        var trainingHistory = new List<double>(options.Iterations);
        var tape = new Tape();
        int batch = options.BatchSize, sinceBest = 0;
        var minibatch = new double[batch * d];
        bool completed = true;
        for (int it = 0; it < options.Iterations; it++)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                completed = false;
                break;
            }

            for (int b = 0; b < batch; b++)
            {
                train.AsSpan(rng.Next(trainCount) * d, d).CopyTo(minibatch.AsSpan(b * d, d));
            }

            tape.Reset();
            var logLik = Ops.Mean(flow.LogProb(tape.Constant(minibatch, Shape.Matrix(batch, d))));
            double value = logLik.Item;
            trainingHistory.Add(value);
            var loss = -logLik;
            var penalty = options.PenaltyWeight > 0 ? flow.Transform.Penalty(tape) : default;
            if (penalty.Tape is not null)
            {
                loss += options.PenaltyWeight * penalty;
            }

            if (double.IsFinite(value))
            {
                optimizer.ZeroGrad();
                tape.Backward(loss);
                flow.Transform.CollectGradients(tape);
                optimizer.ClipGradientNorm(options.GradientClip);
                optimizer.Step();
            }

            if ((it + 1) % options.EvaluateEvery == 0 || it == options.Iterations - 1)
            {
                double current = HeldOut(flow, validation, d).Mean;
                validationHistory.Add((it + 1, current));
                progress?.Report(new FitProgress(it + 1, options.Iterations, current));
                if (current > bestValidation)
                {
                    bestValidation = current;
                    best = Snapshot(parameters);
                    sinceBest = 0;
                }
                else if (options.EarlyStoppingPatience > 0 && ++sinceBest >= options.EarlyStoppingPatience)
                {
                    break;
                }
            }
        }

        Restore(parameters, best);
        var (mean, se) = HeldOut(flow, validation, d);
        return new DensityFitResult(flow, trainingHistory.ToArray(), validationHistory.ToArray(), mean, se, held, completed, watch.Elapsed);
    }

    private static double[] Rows(double[,] samples, ReadOnlySpan<int> rows, int d)
    {
        var result = new double[rows.Length * d];
        for (int i = 0; i < rows.Length; i++)
        {
            for (int j = 0; j < d; j++)
            {
                result[(i * d) + j] = samples[rows[i], j];
            }
        }

        return result;
    }

    // mean and standard error of log q over the held-out rows (evaluated in chunks, without gradients)
    private static (double Mean, double StandardError) HeldOut(FlowDistribution flow, double[] rows, int d)
    {
        int count = rows.Length / d;
        const int Chunk = 1024;
        var tape = new Tape();
        double sum = 0, sumSq = 0;
        for (int start = 0; start < count; start += Chunk)
        {
            int m = Math.Min(Chunk, count - start);
            tape.Reset();
            using var scope = tape.NoGrad();
            var lq = flow.LogProb(tape.Constant(rows.AsSpan(start * d, m * d), Shape.Matrix(m, d))).Value;
            for (int i = 0; i < m; i++)
            {
                double v = double.IsNaN(lq[i]) ? double.NegativeInfinity : lq[i];
                sum += v;
                sumSq += v * v;
            }
        }

        double mean = sum / count;
        double variance = Math.Max(0, (sumSq / count) - (mean * mean)) * count / (count - 1);
        return (mean, Math.Sqrt(variance / count));
    }

    private static double[][] Snapshot(Parameter[] parameters) => parameters.Select(p => p.Value.Data.ToArray()).ToArray();

    private static void Restore(Parameter[] parameters, double[][] values)
    {
        for (int i = 0; i < parameters.Length; i++)
        {
            values[i].CopyTo(parameters[i].Value.Data, 0);
        }
    }
}
