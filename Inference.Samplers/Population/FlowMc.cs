using System.Globalization;
using Stopwatch = System.Diagnostics.Stopwatch;
using Inference.Densities;
using Inference.Modeling;
using Inference.Randomness;
using Inference.Results;
using Inference.Samplers.Adaptation;
using Inference.Samplers.Hamiltonian;
using Inference.Samplers.Kernels;
using Inference.Samplers.Running;

namespace Inference.Samplers.Population;

/// <summary>Options of <see cref="FlowMc.Sample"/> (flowMC's defaults where it has them).</summary>
public sealed record FlowMcOptions
{
    /// <summary>Chains (walkers) sharing the proposal; more is better.</summary>
    public int Chains { get; init; } = 20;

    /// <summary>Local steps per loop.</summary>
    public int LocalSteps { get; init; } = 100;

    /// <summary>Global (independence) steps per loop.</summary>
    public int GlobalSteps { get; init; } = 10;

    /// <summary>Loops that train the proposal; their draws are discarded (the kernel is adaptive there).</summary>
    public int TrainingLoops { get; init; } = 20;

    /// <summary>Loops with the proposal frozen; their draws are the output.</summary>
    public int ProductionLoops { get; init; } = 20;

    /// <summary>
    /// States per chain kept for training (the most recent ones, across loops: training on the last few steps only
    /// collapses the proposal onto the modes the chains happen to sit in, flowMC#52).
    /// </summary>
    public int HistoryWindow { get; init; } = 440;

    /// <summary>Points resampled (with replacement) from the window for each refit.</summary>
    public int MaxExamples { get; init; } = 10000;

    /// <summary>The local kernel (default MALA).</summary>
    public IMcmcKernel? LocalKernel { get; init; }

    /// <summary>The local kernel's starting step size (flowMC's fixed MALA step is 0.1).</summary>
    public double InitialStepSize { get; init; } = 0.1;

    /// <summary>
    /// During training loops, adapt each chain's local step size (Robbins–Monro towards the kernel's target acceptance)
    /// and the local metric (the window's variances); both are frozen for production.
    /// </summary>
    public bool AdaptLocal { get; init; } = true;

    /// <summary>Run no global steps at all (the local-only baseline: the same chains, kernel and schedule).</summary>
    public bool LocalOnly { get; init; }

    /// <summary>Keep every Thin-th production state of each chain.</summary>
    public int Thin { get; init; } = 1;

    /// <summary>Root seed: chain c uses stream c, the refits stream Chains + loop.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Initial positions (one per chain); default Stan's uniform(−2, 2) initialization.</summary>
    public IReadOnlyList<double[]>? InitialPositions { get; init; }

    /// <summary>Chains moved at once (the draws do not depend on it).</summary>
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Production states per chain (before thinning).</summary>
    public int ProductionStatesPerChain => ProductionLoops * (LocalSteps + (LocalOnly ? 0 : GlobalSteps));

    /// <summary>Checks the options against a target of <paramref name="dimension"/>.</summary>
    public void Validate(int dimension)
    {
#pragma warning disable CA2208 // the exceptions name the offending option
        ArgumentOutOfRangeException.ThrowIfLessThan(Chains, 2, nameof(Chains));
        ArgumentOutOfRangeException.ThrowIfNegative(LocalSteps, nameof(LocalSteps));
        ArgumentOutOfRangeException.ThrowIfNegative(GlobalSteps, nameof(GlobalSteps));
        ArgumentOutOfRangeException.ThrowIfNegative(TrainingLoops, nameof(TrainingLoops));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ProductionLoops, nameof(ProductionLoops));
        ArgumentOutOfRangeException.ThrowIfLessThan(HistoryWindow, 2, nameof(HistoryWindow));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxExamples, 10, nameof(MaxExamples));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Thin, nameof(Thin));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxDegreeOfParallelism, nameof(MaxDegreeOfParallelism));
        if (LocalSteps + GlobalSteps == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(LocalSteps), LocalSteps, "A loop needs at least one local or global step.");
        }

        if ((long)ProductionLoops * (LocalSteps + GlobalSteps) > int.MaxValue / 2)
        {
            throw new ArgumentOutOfRangeException(nameof(ProductionLoops), ProductionLoops, "ProductionLoops × (LocalSteps + GlobalSteps) is too large.");
        }

        if (!(InitialStepSize > 0) || double.IsInfinity(InitialStepSize))
        {
            throw new ArgumentOutOfRangeException(nameof(InitialStepSize), InitialStepSize, "Must be positive and finite.");
        }

        if (InitialPositions is not null)
        {
            if (InitialPositions.Count != Chains)
            {
                throw new ArgumentException($"InitialPositions holds {InitialPositions.Count} positions for {Chains} chains; it needs one per chain.", nameof(InitialPositions));
            }

            for (int c = 0; c < Chains; c++)
            {
                if (InitialPositions[c] is not { } p || p.Length != dimension || !p.All(double.IsFinite))
                {
                    throw new ArgumentException($"Chain {c + 1}: InitialPositions[{c}] must be {dimension} finite coordinates.", nameof(InitialPositions));
                }
            }
        }
#pragma warning restore CA2208
    }
}

/// <summary>A progress report of <see cref="FlowMc.Sample"/>, after each loop.</summary>
/// <param name="Loop">Loops done.</param>
/// <param name="Loops">Loops planned (training and production).</param>
/// <param name="Training">Whether the loop trained the proposal.</param>
/// <param name="LocalAcceptance">Mean local acceptance of the loop.</param>
/// <param name="GlobalAcceptance">Mean global acceptance of the loop.</param>
/// <param name="ProposalFit">Mean log q of the training points after the loop's refit (NaN in production).</param>
public readonly record struct FlowMcProgress(int Loop, int Loops, bool Training, double LocalAcceptance, double GlobalAcceptance, double ProposalFit);

/// <summary>The outcome of <see cref="FlowMc.Sample"/>.</summary>
public sealed class FlowMcResult
{
    internal FlowMcResult(PosteriorDraws draws, double local, double global, IReadOnlyList<FlowMcProgress> loops, IReadOnlyList<string> warnings)
    {
        Draws = draws;
        LocalAcceptance = local;
        GlobalAcceptance = global;
        Loops = loops;
        Warnings = warnings;
    }

    /// <summary>The production draws (every chain, every kept local and global state).</summary>
    public PosteriorDraws Draws { get; }

    /// <summary>Mean acceptance of the local steps in production.</summary>
    public double LocalAcceptance { get; }

    /// <summary>Mean acceptance of the global (independence) steps in production (NaN for a local-only run).</summary>
    public double GlobalAcceptance { get; }

    /// <summary>Per loop: acceptances and the proposal's fit.</summary>
    public IReadOnlyList<FlowMcProgress> Loops { get; }

    /// <summary>What says the draws should not be trusted, each naming its cause.</summary>
    public IReadOnlyList<string> Warnings { get; }
}

/// <summary>
/// flowMC (Gabrié, Rotskoff and Vanden-Eijnden 2022; Wong, Gabrié and Foreman-Mackey 2023): a population of chains
/// alternating local steps (MALA by default) with global independence Metropolis–Hastings steps proposed by a shared
/// trainable density. During training loops the proposal is refitted by forward KL on a replay window of the chains'
/// states; then it is frozen and production loops give the output, from a fixed kernel, so the usual diagnostics
/// apply. Global moves let chains jump between separated modes in proportion to their mass, which local kernels,
/// NUTS and NeuTra cannot.
/// </summary>
public static class FlowMc
{
    /// <summary>Samples <paramref name="target"/> with proposals from <paramref name="proposal"/> (refitted during training).</summary>
    /// <exception cref="ArgumentException">An option is invalid (named) or the proposal's dimension differs.</exception>
    /// <exception cref="ChainFailedException">A chain threw: the exception names the chain and keeps the cause.</exception>
    public static FlowMcResult Sample(ILogDensity target, ITrainableProposal proposal, FlowMcOptions? options = null, IProgress<FlowMcProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(proposal);
        options ??= new FlowMcOptions();
        options.Validate(target.Dimension);
        if (proposal.Dimension != target.Dimension)
        {
            throw new ArgumentException($"The proposal has dimension {proposal.Dimension}; the target has {target.Dimension}.", nameof(proposal));
        }

        var run = new Population(target, proposal, options);
        return run.Run(progress, cancellationToken);
    }

    private sealed class Population
    {
        private readonly ILogDensity _target;
        private readonly ITrainableProposal _proposal;
        private readonly FlowMcOptions _o;
        private readonly Walker[] _walkers;
        private readonly IReadOnlyList<string> _names;
        private readonly SeedSequence _seeds;

        public Population(ILogDensity target, ITrainableProposal proposal, FlowMcOptions options)
        {
            _target = target;
            _proposal = proposal;
            _o = options;
            _names = target is IConstrainedDensity c ? c.ConstrainedNames : target.CoordinateNames;
            _seeds = new SeedSequence(options.Seed);
            _walkers = new Walker[options.Chains];
        }

        public FlowMcResult Run(IProgress<FlowMcProgress>? progress, CancellationToken ct)
        {
            int loops = _o.TrainingLoops + _o.ProductionLoops;
            var history = new List<FlowMcProgress>();
            var local = _o.LocalKernel ?? new Mala();
            var global = new IndependenceMetropolis(_proposal);
            var watch = Stopwatch.StartNew();
            ForEachChain(c => _walkers[c] = new Walker(this, c, local, global));
            TimeSpan trainingTime = TimeSpan.Zero;
            var status = ChainStatus.Completed;
            for (int loop = 0; loop < loops; loop++)
            {
                bool training = loop < _o.TrainingLoops;
                if (!training && loop == _o.TrainingLoops)
                {
                    trainingTime = watch.Elapsed;
                    watch.Restart();
                    foreach (var w in _walkers)
                    {
                        w.Freeze();
                    }
                }

                if (ct.IsCancellationRequested)
                {
                    status = training ? ChainStatus.CancelledInWarmup : ChainStatus.CancelledInSampling;
                    break;
                }

                ForEachChain(c => _walkers[c].Local(training, ct));
                double fit = double.NaN;
                if (training && !_o.LocalOnly)
                {
                    fit = Train(loop, ct);
                }

                if (training && _o.AdaptLocal)
                {
                    UpdateLocalMetric();
                }

                if (!_o.LocalOnly)
                {
                    ForEachChain(c => _walkers[c].Global(training, ct));
                }

                var report = new FlowMcProgress(loop + 1, loops, training, _walkers.Average(w => w.LoopLocalAcceptance), _o.LocalOnly ? double.NaN : _walkers.Average(w => w.LoopGlobalAcceptance), fit);
                history.Add(report);
                progress?.Report(report);
                if (_walkers.Any(w => w.Cancelled))
                {
                    status = training ? ChainStatus.CancelledInWarmup : ChainStatus.CancelledInSampling;
                    break;
                }
            }

            var samplingTime = watch.Elapsed;
            var chains = _walkers.Select(w => w.Finish(status, trainingTime, samplingTime)).ToArray();
            int statesPerLoop = _o.LocalSteps + (_o.LocalOnly ? 0 : _o.GlobalSteps);
            string modelName = _target is CompiledModel m ? m.Model.Name : "log_density";
            var draws = new PosteriorDraws(_names, chains, status == ChainStatus.Completed, "flowmc", _o.Seed)
            {
                Info = new RunInfo(_o.TrainingLoops * statesPerLoop, _o.ProductionStatesPerChain / _o.Thin, _o.Thin, false, local.Info.DefaultTargetAcceptance, 0, "diag_e", modelName),
            };
            double localAcceptance = _walkers.Average(w => w.ProductionLocalAcceptance);
            double globalAcceptance = _o.LocalOnly ? double.NaN : _walkers.Average(w => w.ProductionGlobalAcceptance);
            return new FlowMcResult(draws, localAcceptance, globalAcceptance, history, Warnings(draws, localAcceptance, globalAcceptance));
        }

        private List<string> Warnings(PosteriorDraws draws, double local, double global)
        {
            var warnings = new List<string>();
            var inv = CultureInfo.InvariantCulture;
            if (!_o.LocalOnly && global < 0.05)
            {
                warnings.Add(string.Create(inv, $"The global moves were accepted {100 * global:F1}% of the time: the trained proposal covers the posterior poorly, so chains in separated modes cannot exchange mass and the mode weights are not trustworthy."));
            }

            if (local is < 0.1 or > 0.95)
            {
                warnings.Add(string.Create(inv, $"The local moves were accepted {100 * local:F1}% of the time: their step size does not suit the posterior."));
            }

            warnings.AddRange(TrustChecks.Chains(draws));
            if (draws.CommonDraws > 3)
            {
                warnings.AddRange(draws.Summary(maxTreeDepth: 0).Warnings.Where(w => !w.Contains("E-BFMI", StringComparison.Ordinal)));
            }

            return warnings;
        }

        private void ForEachChain(Action<int> body)
        {
            var errors = new Exception?[_walkers.Length];
            Parallel.For(0, _walkers.Length, new ParallelOptions { MaxDegreeOfParallelism = _o.MaxDegreeOfParallelism }, c =>
            {
                try
                {
                    body(c);
                }
#pragma warning disable CA1031 // any exception of a chain is reported with the chain's number, below
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    errors[c] = ex;
                }
            });
            int failed = Array.FindIndex(errors, e => e is not null);
            if (failed >= 0)
            {
                throw new ChainFailedException(failed + 1, errors[failed]!, errors.Count(e => e is not null));
            }
        }

        // the replay window of every chain, resampled with replacement, refits the proposal
        private double Train(int loop, CancellationToken ct)
        {
            int d = _target.Dimension;
            var pool = _walkers.SelectMany(w => w.Window()).ToArray();
            var rng = _seeds.Stream(_o.Chains + loop);
            int n = Math.Min(_o.MaxExamples, pool.Length);
            var points = new double[n * d];
            for (int i = 0; i < n; i++)
            {
                pool[rng.Next(pool.Length)].CopyTo(points, i * d);
            }

            return _proposal.Refit(points, rng.NextUInt64(), ct);
        }

        // the local kernel's diagonal metric from the window's variances, pooled over chains
        private void UpdateLocalMetric()
        {
            int d = _target.Dimension;
            var welford = new WelfordEstimator(d, dense: false);
            foreach (var x in _walkers.SelectMany(w => w.Window()))
            {
                welford.Add(x);
            }

            if (welford.Count < 3)
            {
                return;
            }

            var variance = new double[d];
            welford.Variance(variance);
            if (!variance.All(v => v > 0 && double.IsFinite(v)))
            {
                return;
            }

            var metric = Metric.Diagonal(variance);
            foreach (var w in _walkers)
            {
                w.MetricChanged(metric);
            }
        }

        private sealed class Walker
        {
            private readonly Population _p;
            private readonly int _chain;
            private readonly Rng _rng;
            private readonly ILogDensityEvaluator _evaluator;
            private readonly IDrawConstrainer? _constrainer;
            private readonly PhasePoint _state;
            private readonly IChainKernel _local;
            private readonly IChainKernel _global;
            private readonly KernelParameters _parameters;
            private readonly RobbinsMonroAdapter _stepSize;
            private readonly double[][] _window;
            private readonly double[] _values;
            private readonly DrawStats[] _stats;
            private readonly int _columns;
            private int _windowCount, _windowNext, _recorded, _productionStates;
            private long _trainingGradients, _productionGradients;
            private double _localSum, _globalSum;
            private int _localCount, _globalCount;

            public Walker(Population p, int chain, IMcmcKernel local, IMcmcKernel global)
            {
                _p = p;
                _chain = chain;
                int d = p._target.Dimension;
                _rng = p._seeds.Stream(chain);
                _evaluator = p._target.CreateEvaluator();
                _constrainer = (p._target as IConstrainedDensity)?.CreateConstrainer();
                _columns = p._names.Count;
                _state = new PhasePoint(d);
                (p._o.InitialPositions?[chain] ?? Initialization.Random(_evaluator, p._target.CoordinateNames, _rng)).CopyTo(_state.Position, 0);
                _state.LogDensity = _evaluator.LogDensityAndGradient(_state.Position, _state.Gradient);
                if (!double.IsFinite(_state.LogDensity))
                {
#pragma warning disable CA2208 // the exception names the offending option
                    throw new ArgumentException($"Chain {chain + 1}: the log-density at its initial position is {_state.LogDensity}.", nameof(FlowMcOptions.InitialPositions));
#pragma warning restore CA2208
                }

                _local = local.CreateChain(d);
                _global = global.CreateChain(d);
                _parameters = new KernelParameters(p._o.InitialStepSize, Metric.Diagonal(Enumerable.Repeat(1.0, d).ToArray()));
                _stepSize = new RobbinsMonroAdapter(local.Info.DefaultTargetAcceptance);
                if (p._o.AdaptLocal && p._o.TrainingLoops > 0)
                {
                    _parameters.StepSize = _stepSize.Start(_state, _evaluator, _parameters.Metric, _parameters.StepSize, _rng);
                }

                _window = new double[p._o.HistoryWindow][];
                int kept = p._o.ProductionStatesPerChain / p._o.Thin;
                _values = new double[kept * _columns];
                _stats = new DrawStats[kept];
            }

            public double LoopLocalAcceptance { get; private set; } = double.NaN;

            public double LoopGlobalAcceptance { get; private set; } = double.NaN;

            public double ProductionLocalAcceptance => _localCount == 0 ? double.NaN : _localSum / _localCount;

            public double ProductionGlobalAcceptance => _globalCount == 0 ? double.NaN : _globalSum / _globalCount;

            public bool Cancelled { get; private set; }

            public void Local(bool training, CancellationToken ct)
            {
                double sum = 0;
                int n = 0;
                for (int s = 0; s < _p._o.LocalSteps; s++)
                {
                    if (ct.IsCancellationRequested)
                    {
                        Cancelled = true;
                        break;
                    }

                    var t = _local.Move(_state, _evaluator, _parameters, _rng);
                    if (training && _p._o.AdaptLocal)
                    {
                        _parameters.StepSize = _stepSize.Learn(t.AcceptStat);
                    }

                    sum += t.AcceptStat;
                    n++;
                    Step(training, t, global: false);
                }

                LoopLocalAcceptance = n == 0 ? double.NaN : sum / n;
            }

            public void Global(bool training, CancellationToken ct)
            {
                double sum = 0;
                int n = 0;
                for (int s = 0; s < _p._o.GlobalSteps; s++)
                {
                    if (ct.IsCancellationRequested)
                    {
                        Cancelled = true;
                        break;
                    }

                    var t = _global.Move(_state, _evaluator, _parameters, _rng);
                    sum += t.AcceptStat;
                    n++;
                    Step(training, t, global: true);
                }

                LoopGlobalAcceptance = n == 0 ? double.NaN : sum / n;
            }

            public void MetricChanged(Metric metric)
            {
                _parameters.Metric = metric;
                _parameters.StepSize = _stepSize.MetricChanged(_state, _evaluator, metric, _parameters.StepSize, _rng);
            }

            public void Freeze()
            {
                if (_p._o.AdaptLocal && _p._o.TrainingLoops > 0)
                {
                    _parameters.StepSize = _stepSize.Final;
                }

            }

            public IEnumerable<double[]> Window()
            {
                for (int i = 0; i < _windowCount; i++)
                {
                    yield return _window[i];
                }
            }

            public ChainDraws Finish(ChainStatus status, TimeSpan trainingTime, TimeSpan samplingTime) =>
                new(_columns, _values, _recorded, _stats)
                {
                    StepSize = _parameters.StepSize,
                    InverseMetricDiagonal = _parameters.Metric.InverseMetricDiagonal.ToArray(),
                    WarmupTime = trainingTime,
                    SamplingTime = samplingTime,
                    WarmupGradients = _trainingGradients,
                    SamplingGradients = _productionGradients,
                    Seed = _p._seeds.StreamSeed(_chain),
                    Status = status,
                };

            private void Step(bool training, in Transition t, bool global)
            {
                if (training)
                {
                    _trainingGradients += t.LeapfrogSteps;
                    Remember();
                    return;
                }

                _productionGradients += t.LeapfrogSteps;
                if (global)
                {
                    _globalSum += t.AcceptStat;
                    _globalCount++;
                }
                else
                {
                    _localSum += t.AcceptStat;
                    _localCount++;
                }

                if (++_productionStates % _p._o.Thin == 0 && _recorded < _stats.Length)
                {
                    var row = _values.AsSpan(_recorded * _columns, _columns);
                    if (_constrainer is null)
                    {
                        _state.Position.CopyTo(row);
                    }
                    else
                    {
                        _constrainer.Constrain(_state.Position, row);
                    }

                    _stats[_recorded++] = new DrawStats(t.LogDensity, t.AcceptStat, t.StepSize, 0, t.LeapfrogSteps, t.Divergent, t.Energy);
                }
            }

            // the ring buffer of the most recent finite states
            private void Remember()
            {
                if (!double.IsFinite(_state.LogDensity))
                {
                    return;
                }

                var slot = _window[_windowNext] ??= new double[_state.Position.Length];
                _state.Position.CopyTo(slot, 0);
                _windowNext = (_windowNext + 1) % _window.Length;
                _windowCount = Math.Min(_windowCount + 1, _window.Length);
            }
        }
    }
}
