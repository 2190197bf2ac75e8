using Stopwatch = System.Diagnostics.Stopwatch;
using Inference.Autodiff;
using Inference.Flows.Modules;
using Inference.Flows.Optimizers;
using Inference.Flows.Variational;
using Inference.InverseProblems;
using Inference.Randomness;

namespace Inference.Flows.InverseProblems;

/// <summary>Settings of an amortized fit of q(x | y) by maximum likelihood on simulated pairs.</summary>
public sealed record AmortizedOptions : FlowFitOptions
{
    /// <summary>Pairs simulated once (from their own seed stream) and never trained on: the held-out log-likelihood.</summary>
    public int HeldOutPairs { get; init; } = 2000;

    /// <summary>Steps between evaluations of the held-out log-likelihood (the best parameters are restored at the end).</summary>
    public int EvaluateEvery { get; init; } = 250;

    /// <summary>Weight of the flow's regularization (<see cref="Bijectors.FlowBijector.Penalty"/>; 1 as in Hertrich's code).</summary>
    public double PenaltyWeight { get; init; } = 1;

    /// <summary>Split each batch into two fixed halves on two threads (the same halves, and results, either way).</summary>
    public bool Parallel { get; init; } = true;

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
#pragma warning disable CA2208 // the exceptions name the offending setting
        ArgumentOutOfRangeException.ThrowIfLessThan(HeldOutPairs, 2, nameof(HeldOutPairs));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(EvaluateEvery, nameof(EvaluateEvery));
        if (!(PenaltyWeight >= 0) || !double.IsFinite(PenaltyWeight))
        {
            throw new ArgumentOutOfRangeException(nameof(PenaltyWeight), PenaltyWeight, "Must be non-negative and finite.");
        }
#pragma warning restore CA2208
    }
}

/// <summary>The outcome of an amortized fit.</summary>
public sealed class AmortizedFit
{
    internal AmortizedFit(FlowDistribution flow, double[] training, (int, double)[] validation, double heldOut, double heldOutSe, int pairs, int skipped, bool completed, TimeSpan elapsed)
    {
        Flow = flow;
        TrainingLogLikelihood = training;
        ValidationLogLikelihood = validation;
        HeldOutLogLikelihood = heldOut;
        HeldOutStandardError = heldOutSe;
        HeldOutPairs = pairs;
        SkippedSteps = skipped;
        Completed = completed;
        Elapsed = elapsed;
    }

    /// <summary>The fitted q(x | y), at its best held-out log-likelihood.</summary>
    public FlowDistribution Flow { get; }

    /// <summary>Mean log q(x | y) over each step's fresh pairs.</summary>
    public IReadOnlyList<double> TrainingLogLikelihood { get; }

    /// <summary>Mean held-out log q(x | y) at each evaluation: (step, value).</summary>
    public IReadOnlyList<(int Step, double LogLikelihood)> ValidationLogLikelihood { get; }

    /// <summary>Mean log q(x | y) over the held-out pairs with the restored parameters.</summary>
    public double HeldOutLogLikelihood { get; }

    /// <summary>Its standard error.</summary>
    public double HeldOutStandardError { get; }

    /// <summary>Number of held-out pairs.</summary>
    public int HeldOutPairs { get; }

    /// <summary>Steps skipped because the loss or a gradient was not finite.</summary>
    public int SkippedSteps { get; }

    /// <summary>False when cancelled (the flow is still the best one seen).</summary>
    public bool Completed { get; }

    /// <summary>Wall time.</summary>
    public TimeSpan Elapsed { get; }
}

/// <summary>
/// Amortized posteriors: fits a conditional flow q(x | y) to an inverse problem by maximum likelihood on fresh
/// simulated pairs every step (x ~ prior, y ~ p(y | F(x))), the forward KL E_y KL(p(x | y) ‖ q(x | y)) up to a
/// constant; after it, q(· | y) is a posterior for any observation y at the cost of one flow pass.
/// </summary>
public static class AmortizedPosterior
{
    /// <summary>Fits <paramref name="flow"/> (conditional, with context dimension m) to <paramref name="problem"/>.</summary>
    public static AmortizedFit Fit(FlowDistribution flow, InverseProblem problem, AmortizedOptions? options = null, IProgress<FitProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(flow);
        ArgumentNullException.ThrowIfNull(problem);
        options ??= new AmortizedOptions();
        options.Validate();
        if (flow.Dimension != problem.ParameterDimension || flow.ContextDimension != problem.ObservationDimension)
        {
            throw new ArgumentException($"The flow models x of {flow.Dimension} values given y of {flow.ContextDimension}; the problem has x of {problem.ParameterDimension} and y of {problem.ObservationDimension}.", nameof(flow));
        }

        if (!problem.Prior.CanSample)
        {
            throw new ArgumentException("Amortized training simulates pairs: the problem's prior needs a sampler.", nameof(problem));
        }

        var watch = Stopwatch.StartNew();
        var seeds = new SeedSequence(options.Seed);
        var trainRng = seeds.Stream(0);
        var (heldX, heldY) = problem.Simulate(seeds.Stream(1), options.HeldOutPairs);
        int d = problem.ParameterDimension, m = problem.ObservationDimension, batch = options.BatchSize;

        // data-dependent initializations (ActNorm) see simulated training pairs, never the held-out ones
        var (firstX, firstY) = problem.Simulate(seeds.Stream(2), batch);
        var init = new Tape();
        using (init.NoGrad())
        {
            _ = flow.LogProb(init.Constant(firstX, Shape.Matrix(batch, d)), init.Constant(firstY, Shape.Matrix(batch, m)));
        }

        var parameters = flow.Parameters().ToArray();
        var optimizer = new Adam(parameters, options.LearningRate, schedule: options.Schedule);
        var best = parameters.Select(p => p.Value.Data.ToArray()).ToArray();
        double bestHeldOut = HeldOut(flow, heldX, heldY, d, m).Mean;
        var validation = new List<(int, double)> { (0, bestHeldOut) };
        var training = new List<double>(options.Iterations);
        int halves = batch >= 2 ? 2 : 1, skipped = 0;
        var tapes = Enumerable.Range(0, halves).Select(_ => new Tape()).ToArray();
        var values = new double[halves];
        bool completed = true;
        for (int it = 0; it < options.Iterations; it++)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                completed = false;
                break;
            }

            var (x, y) = problem.Simulate(trainRng, batch);
            void Half(int h)
            {
                int start = h * (batch / halves), rows = h == halves - 1 ? batch - start : batch / halves;
                var tape = tapes[h];
                tape.Reset();
                var logQ = Ops.Sum(flow.LogProb(tape.Constant(x.AsSpan(start * d, rows * d), Shape.Matrix(rows, d)), tape.Constant(y.AsSpan(start * m, rows * m), Shape.Matrix(rows, m))));
                var loss = -logQ / batch;
                if (h == 0 && options.PenaltyWeight > 0)
                {
                    var penalty = flow.Transform.Penalty(tape);
                    if (penalty.Tape is not null)
                    {
                        loss += options.PenaltyWeight * penalty;
                    }
                }

                values[h] = logQ.Item;
                if (double.IsFinite(loss.Item))
                {
                    tape.Backward(loss);
                }
            }

            if (options.Parallel && halves == 2)
            {
                System.Threading.Tasks.Parallel.Invoke(() => Half(0), () => Half(1));
            }
            else
            {
                for (int h = 0; h < halves; h++)
                {
                    Half(h);
                }
            }

            double logLik = values.Sum() / batch;
            training.Add(logLik);
            if (!double.IsFinite(logLik) || !Collect(parameters, tapes))
            {
                skipped++;
            }
            else
            {
                optimizer.ClipGradientNorm(options.GradientClip);
                optimizer.Step();
            }

            if ((it + 1) % options.EvaluateEvery == 0 || it == options.Iterations - 1)
            {
                double current = HeldOut(flow, heldX, heldY, d, m).Mean;
                validation.Add((it + 1, current));
                progress?.Report(new FitProgress(it + 1, options.Iterations, current));
                if (current > bestHeldOut)
                {
                    bestHeldOut = current;
                    best = parameters.Select(p => p.Value.Data.ToArray()).ToArray();
                }
            }
        }

        for (int i = 0; i < parameters.Length; i++)
        {
            best[i].CopyTo(parameters[i].Value.Data, 0);
        }

        var (mean, se) = HeldOut(flow, heldX, heldY, d, m);
        return new AmortizedFit(flow, training.ToArray(), validation.ToArray(), mean, se, options.HeldOutPairs, skipped, completed, watch.Elapsed);
    }

    // the halves' gradients added in a fixed order; false when one is not finite
    private static bool Collect(Parameter[] parameters, Tape[] tapes)
    {
        foreach (var p in parameters)
        {
            bool collected = false;
            foreach (var tape in tapes)
            {
                collected |= p.Collect(tape, overwrite: !collected);
            }

            if (!collected)
            {
                Array.Clear(p.Grad);
            }

            foreach (double g in p.Grad)
            {
                if (!double.IsFinite(g))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>Mean and standard error of log q(x | y) over pairs (rows of x [n, d] and y [n, m]), without gradients, in chunks.</summary>
    public static (double Mean, double StandardError) HeldOut(FlowDistribution flow, double[] x, double[] y, int d, int m)
    {
        ArgumentNullException.ThrowIfNull(flow);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        int count = x.Length / d;
        const int Chunk = 512;
        var tape = new Tape();
        double sum = 0, sumSq = 0;
        for (int start = 0; start < count; start += Chunk)
        {
            int rows = Math.Min(Chunk, count - start);
            tape.Reset();
            using var scope = tape.NoGrad();
            var lq = flow.LogProb(tape.Constant(x.AsSpan(start * d, rows * d), Shape.Matrix(rows, d)), tape.Constant(y.AsSpan(start * m, rows * m), Shape.Matrix(rows, m))).Value;
            for (int i = 0; i < rows; i++)
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
}
