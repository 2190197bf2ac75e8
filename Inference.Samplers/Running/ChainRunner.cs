using Stopwatch = System.Diagnostics.Stopwatch;
using Inference.Densities;
using Inference.Modeling;
using Inference.Randomness;
using Inference.Results;
using Inference.Samplers.Adaptation;
using Inference.Samplers.Hamiltonian;
using Inference.Samplers.Kernels;

namespace Inference.Samplers.Running;

/// <summary>
/// Runs Hamiltonian chains with Stan's warmup: step-size search, dual averaging, windowed metric
/// adaptation (75/25/50), then sampling. Chains run in parallel, each with its own evaluator and its own
/// RNG stream from one seed, so the draws are the same whether chains run in parallel or one by one.
/// </summary>
public static class ChainRunner
{
    /// <summary>Samples <paramref name="density"/> with <paramref name="kernel"/>.</summary>
    /// <returns>The trace; on cancellation, the draws made so far with <see cref="PosteriorDraws.Completed"/> false.</returns>
    public static PosteriorDraws Run(IHamiltonianKernel kernel, ILogDensity density, RunSettings? settings = null, IProgress<ChainProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        ArgumentNullException.ThrowIfNull(density);
        settings ??= new RunSettings();
        settings.Validate(density.Dimension);
        var names = density is IConstrainedDensity constrained ? constrained.ConstrainedNames : density.CoordinateNames;
        var chains = new ChainDraws[settings.Chains];
        var seeds = new SeedSequence(settings.Seed);
        var errors = new Exception?[settings.Chains];
        Parallel.For(
            0,
            settings.Chains,
            new ParallelOptions { MaxDegreeOfParallelism = settings.MaxDegreeOfParallelism },
            c =>
            {
                try
                {
                    chains[c] = RunChain(kernel, density, settings, names.Count, c, seeds.StreamSeed(c), progress, cancellationToken);
                }
                catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or ArithmeticException)
                {
                    errors[c] = ex;
                }
            });

        int failed = Array.FindIndex(errors, e => e is not null);
        if (failed >= 0)
        {
            throw new InvalidOperationException($"Chain {failed + 1} failed: {errors[failed]!.Message}", errors[failed]);
        }

        int maxDepth = kernel is Nuts nuts ? nuts.Options.MaxTreeDepth : 0;
        string metricName = settings.Metric switch { MetricKind.Dense => "dense_e", MetricKind.Unit => "unit_e", _ => "diag_e" };
        string modelName = density is CompiledModel compiled ? compiled.Model.Name : "log_density";
        return new PosteriorDraws(names, chains, !cancellationToken.IsCancellationRequested, kernel.Name, settings.Seed)
        {
            Info = new RunInfo(settings.Warmup, settings.Draws, settings.Thin, settings.SaveWarmup, settings.TargetAcceptance ?? kernel.DefaultTargetAcceptance, maxDepth, metricName, modelName),
        };
    }

    /// <summary>NUTS with Stan's defaults: the one-line entry point.</summary>
    public static PosteriorDraws Nuts(ILogDensity density, RunSettings? settings = null, NutsOptions? options = null, IProgress<ChainProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Run(new Nuts(options), density, settings, progress, cancellationToken);

    private static ChainDraws RunChain(IHamiltonianKernel kernel, ILogDensity density, RunSettings settings, int columns, int chain, ulong seed, IProgress<ChainProgress>? progress, CancellationToken ct)
    {
        var rng = new Rng(seed);
        var evaluator = density.CreateEvaluator();
        var constrainer = (density as IConstrainedDensity)?.CreateConstrainer();
        int d = density.Dimension;
        double[] init = settings.InitialPositions?[chain] ?? Initialization.Random(evaluator, density.CoordinateNames, rng, settings.InitRadius);

        var state = new PhasePoint(d);
        init.CopyTo(state.Position, 0);
        state.LogDensity = evaluator.LogDensityAndGradient(state.Position, state.Gradient);
        var metric = settings.Metric switch
        {
            MetricKind.Dense => Metric.Dense(Identity(d), d),
            MetricKind.Diagonal => Metric.Diagonal(Enumerable.Repeat(1.0, d).ToArray()),
            _ => Metric.Unit(d),
        };
        var parameters = new HmcParameters(settings.InitialStepSize, metric);
        var workspace = kernel.CreateWorkspace(d);
        var dual = new DualAveraging(settings.TargetAcceptance ?? kernel.DefaultTargetAcceptance);
        var schedule = new WindowSchedule(settings.Warmup);
        var welford = new WelfordEstimator(d, settings.Metric == MetricKind.Dense);
        int total = settings.Warmup + (settings.Draws * settings.Thin);
        int reportEvery = Math.Max(1, total / 100);

        var warmupValues = settings.SaveWarmup ? new double[settings.Warmup * columns] : [];
        int warmupSaved = 0;
        long warmupGradients = 0;
        var watch = Stopwatch.StartNew();
        if (settings.Warmup > 0)
        {
            parameters.StepSize = StepSizeSearch.Find(state, evaluator, metric, parameters.StepSize, rng);
            dual.Mu = Math.Log(10 * parameters.StepSize);
            dual.Restart();
        }

        bool robbinsMonro = kernel.StepSizeAdaptation == StepSizeAdaptation.RobbinsMonro;
        double logScale = Math.Log(parameters.StepSize);
        int sinceUpdate = 0;
        var scaleHistory = new List<double>();
        bool cancelled = false;
        for (int it = 0; it < settings.Warmup; it++)
        {
            if (ct.IsCancellationRequested)
            {
                cancelled = true;
                break;
            }

            var t = kernel.Move(state, evaluator, parameters, rng, workspace);
            warmupGradients += t.LeapfrogSteps;
            if (robbinsMonro)
            {
                // Robbins–Monro with its gain restarted at each metric update, so the scale re-adapts to the new
                // metric within the window; the final scale averages log ε over the second half of the
                // iterations since the last update (Polyak–Ruppert).
                sinceUpdate++;
                logScale += Math.Pow(sinceUpdate, -0.6) * (Math.Min(1, t.AcceptStat) - dual.TargetAcceptance);
                parameters.StepSize = Math.Exp(logScale);
                scaleHistory.Add(logScale);
            }
            else
            {
                parameters.StepSize = dual.Learn(t.AcceptStat);
            }
            if (schedule.InWindow)
            {
                welford.Add(state.Position);
            }

            if (schedule.EndsWindow)
            {
                parameters.Metric = RegularizedMetric(welford, settings.Metric, d);
                welford.Restart();
                sinceUpdate = 0;
                scaleHistory.Clear();
                if (!robbinsMonro)
                {
                    parameters.StepSize = StepSizeSearch.Find(state, evaluator, parameters.Metric, parameters.StepSize, rng);
                    dual.Mu = Math.Log(10 * parameters.StepSize);
                    dual.Restart();
                }
            }

            schedule.Advance();
            if (settings.SaveWarmup)
            {
                Record(state, constrainer, warmupValues.AsSpan(warmupSaved++ * columns, columns));
            }

            if (progress is not null && (it + 1) % reportEvery == 0)
            {
                progress.Report(new ChainProgress(chain, ChainPhase.Warmup, it + 1, total, 0, parameters.StepSize));
            }
        }

        if (settings.Warmup > 0 && !cancelled)
        {
            parameters.StepSize = robbinsMonro && scaleHistory.Count > 0
                ? Math.Exp(scaleHistory.Skip(scaleHistory.Count / 2).Average())
                : (robbinsMonro ? Math.Exp(logScale) : dual.FinalStepSize);
        }

        var warmupTime = watch.Elapsed;
        watch.Restart();
        var values = new double[settings.Draws * columns];
        var stats = new DrawStats[settings.Draws];
        int recorded = 0, divergences = 0;
        long samplingGradients = 0;
        for (int it = 0; it < settings.Draws * settings.Thin && !cancelled; it++)
        {
            if (ct.IsCancellationRequested)
            {
                cancelled = true;
                break;
            }

            var t = kernel.Move(state, evaluator, parameters, rng, workspace);
            samplingGradients += t.LeapfrogSteps;
            if (t.Divergent)
            {
                divergences++;
            }

            if ((it + 1) % settings.Thin == 0)
            {
                Record(state, constrainer, values.AsSpan(recorded * columns, columns));
                stats[recorded++] = new DrawStats(t.LogDensity, t.AcceptStat, t.StepSize, t.TreeDepth, t.LeapfrogSteps, t.Divergent, t.Energy);
            }

            if (progress is not null && (settings.Warmup + it + 1) % reportEvery == 0)
            {
                progress.Report(new ChainProgress(chain, ChainPhase.Sampling, settings.Warmup + it + 1, total, divergences, parameters.StepSize));
            }
        }

        progress?.Report(new ChainProgress(chain, ChainPhase.Done, cancelled ? -1 : total, total, divergences, parameters.StepSize));
        return new ChainDraws(columns, values, recorded, stats)
        {
            WarmupValues = warmupValues,
            WarmupDraws = warmupSaved,
            StepSize = parameters.StepSize,
            InverseMetricDiagonal = parameters.Metric.InverseMetricDiagonal.ToArray(),
            InverseMetricMatrix = parameters.Metric.InverseMetricMatrix?.ToArray(),
            WarmupTime = warmupTime,
            SamplingTime = watch.Elapsed,
            WarmupGradients = warmupGradients,
            SamplingGradients = samplingGradients,
            Seed = seed,
        };
    }

    private static void Record(PhasePoint state, IDrawConstrainer? constrainer, Span<double> destination)
    {
        if (constrainer is null)
        {
            state.Position.CopyTo(destination);
        }
        else
        {
            constrainer.Constrain(state.Position, destination);
        }
    }

    /// <summary>Stan's regularized estimate: (n/(n + 5))·Σ̂ + 10⁻³·(5/(n + 5))·I.</summary>
    private static Metric RegularizedMetric(WelfordEstimator welford, MetricKind kind, int d)
    {
        int n = welford.Count;
        var estimate = new double[welford.Dense ? d * d : d];
        welford.Variance(estimate);
        double scale = n / (n + 5.0), shrink = 1e-3 * (5.0 / (n + 5.0));
        for (int i = 0; i < estimate.Length; i++)
        {
            estimate[i] *= scale;
        }

        for (int i = 0; i < d; i++)
        {
            estimate[welford.Dense ? (i * d) + i : i] += shrink;
        }

        if (estimate.Any(v => !double.IsFinite(v)))
        {
            throw new InvalidOperationException("The adapted metric is not finite: the warmup draws contain non-finite positions.");
        }

        return kind == MetricKind.Dense ? Metric.Dense(estimate, d) : Metric.Diagonal(estimate);
    }

    private static double[] Identity(int d)
    {
        var a = new double[d * d];
        for (int i = 0; i < d; i++)
        {
            a[(i * d) + i] = 1;
        }

        return a;
    }
}
