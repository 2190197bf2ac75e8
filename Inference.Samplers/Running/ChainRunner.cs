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
/// Runs chains of an <see cref="IMcmcKernel"/>: warmup by the kernel's adapter (Stan's windows unless
/// <see cref="RunSettings.Adaptation"/> says otherwise), then sampling. Chains run in parallel, each with its own
/// evaluator, kernel state and RNG stream from one seed, so the draws are the same whether chains run in parallel or
/// one by one.
/// </summary>
public static class ChainRunner
{
    /// <summary>Samples <paramref name="density"/> with <paramref name="kernel"/>.</summary>
    /// <returns>
    /// The draws. On cancellation every chain returns what it drew (a chain that had not started, nothing), with its
    /// <see cref="ChainDraws.Status"/>; <see cref="PosteriorDraws.Completed"/> is true exactly when every chain ran all
    /// its iterations.
    /// </returns>
    /// <exception cref="ArgumentException">A setting is invalid or an initial position is not a finite point of the density (named, before any work).</exception>
    /// <exception cref="ChainFailedException">A chain threw (or the density threw at its initial position): the exception names the chain and keeps the cause.</exception>
    public static PosteriorDraws Run(IMcmcKernel kernel, ILogDensity density, RunSettings? settings = null, IProgress<ChainProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        ArgumentNullException.ThrowIfNull(density);
        settings ??= new RunSettings();
        settings.Validate(density.Dimension);
        var names = density is IConstrainedDensity constrained ? constrained.ConstrainedNames : density.CoordinateNames;
        CheckStorage(settings, names.Count);
        CheckInitialPositions(settings, density);
        var chains = new ChainDraws[settings.Chains];
        var seeds = new SeedSequence(settings.Seed);
        var errors = new Exception?[settings.Chains];
        // a failing chain stops the others: their draws would be thrown away with the exception
        using var failure = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Parallel.For(
            0,
            settings.Chains,
            new ParallelOptions { MaxDegreeOfParallelism = settings.MaxDegreeOfParallelism },
            c =>
            {
                try
                {
                    chains[c] = RunChain(kernel, density, settings, names.Count, c, seeds.StreamSeed(c), progress, failure.Token);
                }
#pragma warning disable CA1031 // any exception of a chain is reported with the chain's number, below
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    errors[c] = ex;
                    failure.Cancel();
                }
            });

        int failed = Array.FindIndex(errors, e => e is not null);
        if (failed >= 0)
        {
            throw new ChainFailedException(failed + 1, errors[failed]!, errors.Count(e => e is not null));
        }

        string metricName = settings.Metric switch { MetricKind.Dense => "dense_e", MetricKind.Unit => "unit_e", _ => "diag_e" };
        string modelName = density is CompiledModel compiled ? compiled.Model.Name : "log_density";
        var info = kernel.Info;
        bool completed = chains.All(c => c.Status == ChainStatus.Completed);
        return new PosteriorDraws(names, chains, completed, info.Name, settings.Seed)
        {
            Info = new RunInfo(settings.Warmup, settings.Draws, settings.Thin, settings.SaveWarmup, settings.TargetAcceptance ?? info.DefaultTargetAcceptance, info.MaxTreeDepth, metricName, modelName),
        };
    }

    /// <summary>NUTS with Stan's defaults: the one-line entry point.</summary>
    public static PosteriorDraws Nuts(ILogDensity density, RunSettings? settings = null, NutsOptions? options = null, IProgress<ChainProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Run(new Nuts(options), density, settings, progress, cancellationToken);

    private static ChainDraws RunChain(IMcmcKernel kernel, ILogDensity density, RunSettings settings, int columns, int chain, ulong seed, IProgress<ChainProgress>? progress, CancellationToken ct)
    {
        if (ct.IsCancellationRequested)
        {
            progress?.Report(new ChainProgress(chain, ChainPhase.Done, -1, settings.TotalIterations, 0, double.NaN));
            return new ChainDraws(columns, [], 0, []) { StepSize = double.NaN, Seed = seed, Status = ChainStatus.NotStarted };
        }

        var rng = new Rng(seed);
        var evaluator = density.CreateEvaluator();
        // an evaluator that also maps draws does both for its chain (it can reuse what it computed for the density)
        var constrainer = density is IConstrainedDensity c ? evaluator as IDrawConstrainer ?? c.CreateConstrainer() : null;
        int d = density.Dimension;
        var state = new PhasePoint(d);
        (settings.InitialPositions?[chain] ?? Initialization.Random(evaluator, density.CoordinateNames, rng, settings.InitRadius)).CopyTo(state.Position, 0);
        state.LogDensity = evaluator.LogDensityAndGradient(state.Position, state.Gradient);
        var parameters = new KernelParameters(settings.InitialStepSize, InitialMetric(settings.Metric, d));
        var moves = kernel.CreateChain(d);
        var adapter = (settings.Adaptation ?? kernel.DefaultAdaptation).CreateAdapter(
            new WarmupSetup(d, settings.Warmup, settings.Metric, settings.TargetAcceptance ?? kernel.Info.DefaultTargetAcceptance));
        var record = new ChainRecord(settings, columns, chain, progress, constrainer);

        var watch = Stopwatch.StartNew();
        if (settings.Warmup > 0)
        {
            adapter.Start(state, parameters, evaluator, rng);
        }

        var status = ChainStatus.Completed;
        for (int it = 0; it < settings.Warmup; it++)
        {
            if (ct.IsCancellationRequested)
            {
                status = ChainStatus.CancelledInWarmup;
                break;
            }

            var t = moves.Move(state, evaluator, parameters, rng);
            adapter.Update(it, state, t, parameters, evaluator, rng);
            record.Warmup(state, t, parameters.StepSize);
        }

        if (settings.Warmup > 0 && status == ChainStatus.Completed)
        {
            adapter.Finish(parameters);
        }

        if (status == ChainStatus.Completed)
        {
            (moves as IWarmupAwareChainKernel)?.WarmupEnded();
        }

        var warmupTime = watch.Elapsed;
        watch.Restart();
        for (int it = 0; it < settings.Draws * settings.Thin && status == ChainStatus.Completed; it++)
        {
            if (ct.IsCancellationRequested)
            {
                status = ChainStatus.CancelledInSampling;
                break;
            }

            var t = moves.Move(state, evaluator, parameters, rng);
            record.Sampling(it, state, t, parameters.StepSize);
        }

        return record.Finish(status, parameters, warmupTime, watch.Elapsed, seed);
    }

    private static Metric InitialMetric(MetricKind kind, int d) => kind switch
    {
        MetricKind.Dense => Metric.Dense(Identity(d), d),
        MetricKind.Diagonal => Metric.Diagonal(Enumerable.Repeat(1.0, d).ToArray()),
        _ => Metric.Unit(d),
    };

    // the draws of a chain must fit one array
    private static void CheckStorage(RunSettings settings, int columns)
    {
#pragma warning disable CA2208 // the exceptions name the offending setting
        if ((long)settings.Draws * columns > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(RunSettings.Draws), settings.Draws, $"{settings.Draws} draws × {columns} columns exceed the largest array.");
        }

        if (settings.SaveWarmup && (long)settings.Warmup * columns > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(RunSettings.Warmup), settings.Warmup, $"{settings.Warmup} saved warmup draws × {columns} columns exceed the largest array.");
        }
#pragma warning restore CA2208
    }

    // a start where the density or its gradient is not finite would give a chain that never moves (every proposal is
    // compared with a NaN), so it is refused before any chain starts
    private static void CheckInitialPositions(RunSettings settings, ILogDensity density)
    {
        if (settings.InitialPositions is null)
        {
            return;
        }

        var evaluator = density.CreateEvaluator();
        var gradient = new double[density.Dimension];
        for (int c = 0; c < settings.Chains; c++)
        {
            double lp;
            try
            {
                lp = evaluator.LogDensityAndGradient(settings.InitialPositions[c], gradient);
            }
#pragma warning disable CA1031 // the density's own exception is reported with the chain it would have started
            catch (Exception ex)
#pragma warning restore CA1031
            {
                throw new ChainFailedException(c + 1, ex);
            }

            string? problem = !double.IsFinite(lp)
                ? $"the log-density is {lp}"
                : Array.FindIndex(gradient, g => !double.IsFinite(g)) is int bad and >= 0
                    ? $"the gradient is {gradient[bad]} in {density.CoordinateNames[bad]}"
                    : null;
            if (problem is not null)
            {
#pragma warning disable CA2208 // the exception names the offending setting
                throw new ArgumentException($"Chain {c + 1}: at InitialPositions[{c}] {problem}; start every chain where the log-density and its gradient are finite.", nameof(RunSettings.InitialPositions));
#pragma warning restore CA2208
            }
        }
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

    /// <summary>One chain's record: the draws, their statistics, saved warmup draws, gradient counts and progress reports.</summary>
    private sealed class ChainRecord(RunSettings settings, int columns, int chain, IProgress<ChainProgress>? progress, IDrawConstrainer? constrainer)
    {
        private readonly int _total = settings.TotalIterations;
        private readonly int _reportEvery = Math.Max(1, settings.TotalIterations / 100);
        private readonly double[] _warmupValues = settings.SaveWarmup ? new double[settings.Warmup * columns] : [];
        private readonly double[] _values = new double[settings.Draws * columns];
        private readonly DrawStats[] _stats = new DrawStats[settings.Draws];
        private int _warmupDone, _warmupSaved, _recorded, _divergences;
        private long _warmupGradients, _samplingGradients;

        public void Warmup(PhasePoint state, in Transition t, double stepSize)
        {
            _warmupGradients += t.LeapfrogSteps;
            if (settings.SaveWarmup)
            {
                Record(state, _warmupValues.AsSpan(_warmupSaved++ * columns, columns));
            }

            _warmupDone++;
            if (progress is not null && _warmupDone % _reportEvery == 0)
            {
                progress.Report(new ChainProgress(chain, ChainPhase.Warmup, _warmupDone, _total, 0, stepSize));
            }
        }

        public void Sampling(int iteration, PhasePoint state, in Transition t, double stepSize)
        {
            _samplingGradients += t.LeapfrogSteps;
            if (t.Divergent)
            {
                _divergences++;
            }

            if ((iteration + 1) % settings.Thin == 0)
            {
                Record(state, _values.AsSpan(_recorded * columns, columns));
                _stats[_recorded++] = new DrawStats(t.LogDensity, t.AcceptStat, t.StepSize, t.TreeDepth, t.LeapfrogSteps, t.Divergent, t.Energy);
            }

            int done = settings.Warmup + iteration + 1;
            if (progress is not null && done % _reportEvery == 0)
            {
                progress.Report(new ChainProgress(chain, ChainPhase.Sampling, done, _total, _divergences, stepSize));
            }
        }

        public ChainDraws Finish(ChainStatus status, KernelParameters parameters, TimeSpan warmupTime, TimeSpan samplingTime, ulong seed)
        {
            progress?.Report(new ChainProgress(chain, ChainPhase.Done, status == ChainStatus.Completed ? _total : -1, _total, _divergences, parameters.StepSize));
            return new ChainDraws(columns, _values, _recorded, _stats)
            {
                WarmupValues = _warmupValues,
                WarmupDraws = _warmupSaved,
                StepSize = parameters.StepSize,
                InverseMetricDiagonal = parameters.Metric.InverseMetricDiagonal.ToArray(),
                InverseMetricMatrix = parameters.Metric.InverseMetricMatrix?.ToArray(),
                WarmupTime = warmupTime,
                SamplingTime = samplingTime,
                WarmupGradients = _warmupGradients,
                SamplingGradients = _samplingGradients,
                Seed = seed,
                Status = status,
            };
        }

        private void Record(PhasePoint state, Span<double> destination)
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
    }
}
