using System.Globalization;
using Stopwatch = System.Diagnostics.Stopwatch;
using Inference.Densities;
using Inference.Flows;
using Inference.Flows.Modules;
using Inference.Flows.Variational;
using Inference.Modeling;
using Inference.Randomness;
using Inference.Results;
using Inference.Samplers.Hamiltonian;
using Inference.Samplers.Population;
using Inference.Samplers.Reparam;
using Inference.Samplers.Running;
using Inference.Workflow.FlowMc;

namespace Inference.Workflow.Automatic;

/// <summary>
/// From a log-density to draws that can be trusted, without choices: a mode search (L-BFGS from several starts) with
/// the Laplace approximation; a reverse-KL flow fit (started at the Laplace approximation only where the fits' ELBOs say
/// it is sound); the flow's PSIS k̂; a pilot NeuTra run from flow draws; a forward-KL refit of the flow on the pilot's
/// draws when the tails need it; then NeuTra-NUTS with global independence moves. Separated modes go to flowMC, a
/// near-Gaussian posterior to its Laplace map, and a posterior no map fits to dense-metric NUTS. The result says what
/// was decided and why, with every diagnostic and warnings in words.
/// </summary>
public static class Automatic
{
    private const double BarrierNats = 5;
    private const double GaussianParetoK = 0.5;
    // above this k̂ the importance weights have no finite moments that matter: a map NeuTra cannot be trusted on
    private const double UntrustedParetoK = 1.5;
    private static readonly double[] Radii = [2, 6, 12];

    /// <summary>Runs the pipeline on <paramref name="target"/>.</summary>
    /// <exception cref="ArgumentException">An option is invalid (named).</exception>
    public static AutomaticResult Run(ILogDensity target, AutomaticOptions? options = null, IProgress<AutomaticProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        options ??= new AutomaticOptions();
        options.Validate();
        return new Pipeline(target, options, progress, cancellationToken).Run();
    }

    private sealed class Pipeline(ILogDensity original, AutomaticOptions o, IProgress<AutomaticProgress>? progress, CancellationToken ct)
    {
        // the density the pipeline samples: the model as written, or its non-centered form (draws are reported in the
        // model's own parameters either way)
        private readonly ILogDensity _original = original;
        private ILogDensity target = original;
        private readonly List<string> _reasons = [];
        private readonly Dictionary<string, TimeSpan> _times = [];
        private readonly SeedSequence _seeds = new(o.Seed);
        private readonly Stopwatch _watch = new();
        private AutomaticDiagnostics _diagnostics = new();
        private long _evaluations;

        public AutomaticResult Run()
        {
            int d = target.Dimension;
            ChooseParameterization();
            if (Cancelled())
            {
                return Result(null, AutomaticMethod.NeuTraFlow, []);
            }

            Stage("laplace");
            var modes = SearchModes();
            var best = modes.Count > 0 ? modes[0] : null;
            bool sound = best is { Converged: true, HessianWasPositiveDefinite: true } && double.IsFinite(best.LogDensityAtMode);
            var distinct = Distinct(modes);
            _diagnostics = _diagnostics with { Modes = distinct.Count, LaplaceSound = sound };
            Reason(best is null
                ? "The mode search found no finite point."
                : Invariant($"The mode search from {o.ModeSearchStarts} starts found {distinct.Count} separated mode(s); the best Laplace approximation {(sound ? "is sound (L-BFGS converged, positive-definite curvature)" : "is not sound (" + (best.Converged ? "" : "L-BFGS did not converge; ") + (best.HessianWasPositiveDefinite ? "" : "the curvature is not positive definite") + ")")}."));
            if (Cancelled())
            {
                return Result(null, AutomaticMethod.NeuTraFlow, []);
            }

            if (distinct.Count >= 2)
            {
                Reason(Invariant($"{distinct.Count} modes are separated by log-density barriers of at least {BarrierNats} nats: NUTS and NeuTra would not move mass between them, so flowMC samples with global moves from a trained flow."));
                return SampleFlowMc(distinct);
            }

            FitResult? laplaceFit = null;
            if (sound)
            {
                laplaceFit = VariationalFit.Run(FlowDistribution.FullRank(d).Whiten(best!), target, new VariationalOptions { Iterations = 0, EvaluationDraws = 2000, Seed = _seeds.StreamSeed(1) }, cancellationToken: ct);
                _evaluations += 2000;
                _diagnostics = _diagnostics with { LaplaceParetoK = laplaceFit.ParetoK, LaplaceElbo = laplaceFit.Elbo };
                if (laplaceFit.ParetoK < GaussianParetoK)
                {
                    Reason(Invariant($"The Laplace approximation as a proposal has k̂ {laplaceFit.ParetoK:F2} (below {GaussianParetoK}): the posterior is close to Gaussian, so its affine map is the transport map and no flow is fitted."));
                    return SampleNeuTra(laplaceFit, AutomaticMethod.NeuTraLaplace, flow: null);
                }

                Reason(Invariant($"The Laplace approximation as a proposal has k̂ {laplaceFit.ParetoK:F2} and ELBO {laplaceFit.Elbo:F2}: not Gaussian enough to use as it is."));
            }

            if (d > o.MaxFlowDimension)
            {
                Reason(Invariant($"The dimension {d} is above {o.MaxFlowDimension}, where flows here fit too slowly: dense-metric NUTS."));
                return SampleDenseNuts();
            }

            Stage("flow");
            bool squared = o.FlowSquaredInputs ?? false;
            var fit = FitFlow(whiten: null, stream: 2, squared);
            Reason(Invariant($"The flow fitted from its own start{(squared ? " (squared inputs)" : "")} has ELBO {fit.Elbo:F2} ± {fit.ElboStandardError:F2} and k̂ {fit.ParetoK:F2}."));
            if (o.FlowSquaredInputs is null && o.Flow == FlowFamily.RealNvp && !ct.IsCancellationRequested)
            {
                // a ReLU conditioner extrapolates linearly; one that also reads its inputs' squares follows a curved
                // posterior into its tails. The ELBO decides (reverse KL up to the constant log Z)
                var curved = FitFlow(whiten: null, stream: 4, squared: true);
                bool keep = curved.Elbo > fit.Elbo;
                Reason(Invariant($"A flow whose couplings also read their inputs' squares (shifts that extrapolate quadratically, for curved tails) has ELBO {curved.Elbo:F2} ± {curved.ElboStandardError:F2} and k̂ {curved.ParetoK:F2}: {(keep ? "it is kept" : "the first is kept")}."));
                if (keep)
                {
                    fit = curved;
                    squared = true;
                }
            }

            _diagnostics = _diagnostics with { FlowParetoK = fit.ParetoK, FlowElbo = fit.Elbo, FlowSquaredInputs = squared };
            if (laplaceFit is not null && laplaceFit.Elbo > fit.Elbo - 5)
            {
                var whitened = FitFlow(best, stream: 3, squared);
                bool better = whitened.Elbo > fit.Elbo && !(whitened.ParetoK > fit.ParetoK + 0.2);
                Reason(Invariant($"The Laplace ELBO {laplaceFit.Elbo:F2} is close to the flow's, so a flow was also fitted from the Laplace start: ELBO {whitened.Elbo:F2}, k̂ {whitened.ParetoK:F2}; {(better ? "it is kept" : "the first fit is kept")}."));
                if (better)
                {
                    fit = whitened;
                    _diagnostics = _diagnostics with { FlowParetoK = fit.ParetoK, FlowElbo = fit.Elbo };
                }
            }
            else if (laplaceFit is not null)
            {
                Reason(Invariant($"The Laplace ELBO {laplaceFit.Elbo:F2} is far below the flow's {fit.Elbo:F2}: its mode is degenerate or unrepresentative (a hierarchy's neck, a banana's bend), so the flow is not started there."));
            }

            if (!double.IsFinite(fit.Elbo) || double.IsNaN(fit.ParetoK) || (fit.ParetoK > UntrustedParetoK && o.RefitIterations == 0))
            {
                Reason(Invariant($"The flow cannot be trusted as a transport map (ELBO {fit.Elbo:F2}, k̂ {fit.ParetoK:F2}): dense-metric NUTS."));
                return SampleDenseNuts();
            }

            return Cancelled() ? Result(null, AutomaticMethod.NeuTraFlow, []) : SampleNeuTra(fit, AutomaticMethod.NeuTraFlow, fit.Flow);
        }

        // automatic non-centering (Gorinova, Moore and Hoffman 2020): location–scale terms whose argument is a parameter
        // and whose location and scale are functions of other parameters; the model as written and its non-centered form
        // are each fitted by a full-rank Gaussian, whose ELBOs compare the two (the Jacobian is part of the density, so
        // both bound the same log Z): the form with the higher one is sampled
        private void ChooseParameterization()
        {
            if (o.NonCentering == false || _original is not CompiledModel model)
            {
                return;
            }

            var analysis = NonCenteredBijector.Analyze(model);
            var notable = analysis.Sites.Where(s => s.NonCentered || !s.Reason.StartsWith("location and scale are constants", StringComparison.Ordinal)).ToArray();
            if (analysis.Bijector is null)
            {
                if (notable.Length > 0)
                {
                    Reason("Non-centering: " + string.Join(" ", notable.Select(s => $"'{s.Parameter}' ({s.Distribution}): {s.Reason}")) + " The model is sampled as written.");
                }

                return;
            }

            Stage("reparameterization");
            var nonCentered = new NeuTraDensity(model, analysis.Bijector);
            string sites = string.Join(" ", notable.Select(s => $"'{s.Parameter}' ({s.Distribution}): {s.Reason}"));
            string names = string.Join(", ", analysis.Bijector.Parameters.Select(p => $"'{p}'"));
            if (o.NonCentering == true)
            {
                Reason($"Non-centering: {sites} The non-centered form is sampled (forced by the options).");
                target = nonCentered;
                _diagnostics = _diagnostics with { NonCenteredParameters = analysis.Bijector.Parameters };
                return;
            }

            var centred = GaussianFit(model, stream: 40);
            var noncentred = GaussianFit(nonCentered, stream: 41);
            bool use = double.IsFinite(noncentred.Elbo) && !(centred.Elbo >= noncentred.Elbo);
            _diagnostics = _diagnostics with { CenteredGaussianElbo = centred.Elbo, NonCenteredGaussianElbo = noncentred.Elbo, NonCenteredParameters = use ? analysis.Bijector.Parameters : [] };
            Reason(Invariant($"Non-centering: {sites} A full-rank Gaussian fitted to each form has ELBO {centred.Elbo:F2} ± {centred.ElboStandardError:F2} as written and {noncentred.Elbo:F2} ± {noncentred.ElboStandardError:F2} non-centered (k̂ {centred.ParetoK:F2} and {noncentred.ParetoK:F2}): ") +
                (use ? $"the non-centered form of {names} is sampled; draws are mapped back to the model's parameters." : "the model is sampled as written."));
            if (use)
            {
                target = nonCentered;
            }
        }

        // from N(0, I) and, where the Laplace approximation from the origin is sound, also from it (a posterior far from
        // the origin, as informative data make it, is out of reach of a few hundred Adam steps from N(0, I); a centered
        // funnel's Laplace point is deep in its neck, where that start is hopeless): the higher ELBO of the two
        private FitResult GaussianFit(ILogDensity density, int stream)
        {
            var options = new VariationalOptions { Iterations = o.NonCenteringIterations, LearningRate = 1e-2, EvaluationDraws = 1000, Seed = _seeds.StreamSeed(stream) };
            long cost = ((long)options.Iterations * options.BatchSize) + options.EvaluationDraws;
            _evaluations += cost;
            var best = VariationalFit.Run(FlowDistribution.FullRank(density.Dimension), density, options, cancellationToken: ct);
            LaplaceApproximation? laplace = null;
            try
            {
                laplace = LaplaceApproximation.Fit(density, new double[density.Dimension]);
            }
            catch (ArgumentException)
            {
                // the origin is outside the support: the first fit decides
            }

            if (laplace is { Converged: true, HessianWasPositiveDefinite: true } && double.IsFinite(laplace.LogDensityAtMode) && !ct.IsCancellationRequested)
            {
                _evaluations += cost;
                var whitened = VariationalFit.Run(FlowDistribution.FullRank(density.Dimension).Whiten(laplace), density, options, cancellationToken: ct);
                if (whitened.Elbo > best.Elbo || double.IsNaN(best.Elbo))
                {
                    best = whitened;
                }
            }

            return best;
        }

        private AutomaticResult SampleNeuTra(FitResult fit, AutomaticMethod method, FlowDistribution? flow)
        {
            Stage("pilot");
            FitResult map = fit;
            var pilotOptions = new NeuTraOptions { GlobalSteps = 10 };
            // the pilot may run at a higher target acceptance than the final run (its draws feed the refit; a flow poor in the
            // tails makes NUTS diverge there)
            var pilotSettings = Settings(draws: o.PilotDraws, stream: 10) with { TargetAcceptance = Math.Max(o.TargetAcceptance, o.PilotTargetAcceptance) };
            var pilot = NeuTra.Sample(target, map, pilotSettings, pilotOptions, cancellationToken: ct);
            Count(pilot.Draws);
            double acceptance = GlobalAcceptance(pilot.Draws);
            double pilotDivergent = DivergentShare(pilot.Draws);
            _diagnostics = _diagnostics with { PilotGlobalAcceptance = acceptance, PilotDivergentShare = pilotDivergent };
            Reason(Invariant($"The pilot NeuTra run (k̂ {map.ParetoK:F2}): global moves accepted {100 * acceptance:F0}% of the time, {100 * pilotDivergent:F1}% divergent transitions."));
            if (Cancelled())
            {
                return Result(pilot.Draws, method, pilot.Warnings);
            }

            if (flow is not null && o.RefitIterations > 0 && (map.ParetoK > GaussianParetoK || pilotDivergent > 0))
            {
                Stage("refit");
                var snapshot = flow.Parameters().Select(p => p.Value.Data.ToArray()).ToArray();
                var refit = TransportMaps.RefitOnDraws(flow, target, pilot.Draws, o.RefitIterations, _seeds.StreamSeed(11), ct);
                _evaluations += 2000;
                _diagnostics = _diagnostics with { RefitParetoK = refit.ParetoK };
                if (refit.ParetoK < map.ParetoK)
                {
                    Reason(Invariant($"Refitted by forward KL on the pilot's draws (reverse KL leaves a flow's tails too light): k̂ {map.ParetoK:F2} → {refit.ParetoK:F2}, kept."));
                    map = refit;
                }
                else
                {
                    Reason(Invariant($"The forward-KL refit on the pilot's draws did not lower k̂ ({map.ParetoK:F2} → {refit.ParetoK:F2}): the reverse-KL flow is kept."));
                    Restore(flow.Parameters(), snapshot);
                }
            }

            if (map.ParetoK > UntrustedParetoK)
            {
                Reason(Invariant($"The map cannot be trusted as a transport map even after the refit (k̂ {map.ParetoK:F2}): dense-metric NUTS."));
                return SampleDenseNuts();
            }

            // global moves in proportion to how often the pilot accepted them; they cost a batched flow pass each
            // measured (flow-mcmc-report): fewer global moves (4–8) keep rosenbrock's tails in NUTS's hands but cost eight
            // schools half its ESS per gradient; more (20) double eight schools' and bias rosenbrock's tails. 10 is the default.
            int cap = o.MaxGlobalSteps;
            int global = acceptance >= 0.025 && cap > 0 ? Math.Clamp((int)Math.Round(2 * cap * acceptance), 1, cap) : 0;
            int draws = Math.Min(o.Transitions * (global + 1), Math.Max(o.Transitions, 10000));
            Reason(global > 0
                ? Invariant($"The final run: NeuTra-NUTS with {global} global moves per transition, {draws} draws per chain.")
                : Invariant($"The final run: NeuTra-NUTS alone (global moves were rarely accepted), {draws} draws per chain."));
            Stage("sampling");
            var settings = Settings(draws, stream: 12);
            var result = NeuTra.Sample(target, map, settings, new NeuTraOptions { GlobalSteps = global }, cancellationToken: ct);
            Count(result.Draws);
            double divergent = DivergentShare(result.Draws);
            Reason(Invariant($"The final run: {LocalCost(result.Draws):F1} evaluations per NUTS transition (step size {result.Draws.Chains.Average(c => c.StepSize):F2}), global acceptance {100 * GlobalAcceptance(result.Draws):F0}%, {100 * divergent:F2}% divergent, {result.Draws.SamplingGradients} evaluations after warmup."));
            _diagnostics = _diagnostics with { ParetoK = map.ParetoK, GlobalSteps = global, GlobalAcceptance = GlobalAcceptance(result.Draws), DivergentShare = divergent, FinalSettings = settings };
            return Result(result.Draws, method, result.Warnings);
        }

        private AutomaticResult SampleDenseNuts()
        {
            Stage("sampling");
            var settings = new RunSettings { Chains = o.Chains, Seed = _seeds.StreamSeed(20), Metric = MetricKind.Dense, Draws = o.Transitions, MaxDegreeOfParallelism = o.MaxDegreeOfParallelism };
            var draws = ChainRunner.Nuts(target, settings, cancellationToken: ct);
            Count(draws);
            _diagnostics = _diagnostics with { DivergentShare = DivergentShare(draws), FinalSettings = settings };
            var warnings = new List<string>(TrustChecks.Chains(draws));
            warnings.AddRange(draws.Summary().Warnings);

            return Result(draws, AutomaticMethod.DenseNuts, warnings);
        }

        private AutomaticResult SampleFlowMc(List<LaplaceApproximation> modes)
        {
            Stage("flowmc");
            int d = target.Dimension, chains = Math.Max(20, 2 * modes.Count);
            var starts = Enumerable.Range(0, chains).Select(c => modes[c % modes.Count].Mode.ToArray()).ToArray();
            // the flow's training budget is the reverse-KL fit's, spread over the training loops; production gives about
            // Transitions local steps per chain
            var training = new DensityEstimationOptions { Iterations = Math.Max(20, o.FlowIterations / 10), BatchSize = 1000, LearningRate = 5e-3, ValidationFraction = 0.1, EvaluateEvery = Math.Max(20, o.FlowIterations / 10) };
            var proposal = new DefensiveProposal(new FlowProposal(FlowDistribution.RealNvp(d, 4, [32, 32], _seeds.Stream(30)), training));
            var options = new FlowMcOptions { Chains = chains, LocalSteps = 50, GlobalSteps = 20, TrainingLoops = 10, ProductionLoops = Math.Max(5, o.Transitions / 20), HistoryWindow = 350, MaxExamples = 5000, Seed = _seeds.StreamSeed(31), InitialPositions = starts, MaxDegreeOfParallelism = o.MaxDegreeOfParallelism };
            var result = Inference.Samplers.Population.FlowMc.Sample(target, proposal, options, cancellationToken: ct);
            Count(result.Draws);
            _diagnostics = _diagnostics with { GlobalAcceptance = result.GlobalAcceptance, GlobalSteps = options.GlobalSteps };
            Reason(Invariant($"flowMC: {chains} chains started at the modes, global acceptance {100 * result.GlobalAcceptance:F0}%, local {100 * result.LocalAcceptance:F0}%."));
            return Result(result.Draws, AutomaticMethod.FlowMc, result.Warnings);
        }

        // o.FlowRestarts fits from their own streams; the one with the lowest k̂ (the tails decide how well NeuTra and the
        // global moves work), the highest ELBO among equals
        private FitResult FitFlow(LaplaceApproximation? whiten, int stream, bool squared)
        {
            FitResult? best = null;
            var figures = new List<string>();
            for (int r = 0; r < o.FlowRestarts && !ct.IsCancellationRequested; r++)
            {
                var fit = FitOneFlow(whiten, stream + (50 * r), squared);
                figures.Add(Invariant($"ELBO {fit.Elbo:F2}, k̂ {fit.ParetoK:F2}"));
                double k = double.IsNaN(fit.ParetoK) ? double.PositiveInfinity : fit.ParetoK, bestK = best is null || double.IsNaN(best.ParetoK) ? double.PositiveInfinity : best.ParetoK;
                if (best is null || k < bestK - 0.05 || (k < bestK + 0.05 && fit.Elbo > best.Elbo))
                {
                    best = fit;
                }
            }

            if (o.FlowRestarts > 1)
            {
                Reason(Invariant($"{o.FlowRestarts} flows fitted from their own starts ({string.Join("; ", figures)}): the one with ELBO {best!.Elbo:F2} and k̂ {best.ParetoK:F2} is kept."));
            }

            return best!;
        }

        private FitResult FitOneFlow(LaplaceApproximation? whiten, int stream, bool squared)
        {
            int d = target.Dimension;
            var rng = _seeds.Stream(stream);
            var flow = o.Flow == FlowFamily.RealNvp ? FlowDistribution.RealNvp(d, o.FlowLayers, o.FlowHidden, rng, squaredInputs: squared) : FlowDistribution.MaskedAutoregressive(d, o.FlowLayers, o.FlowHidden, rng);
            if (whiten is not null)
            {
                flow = flow.Whiten(whiten);
            }

            var options = new VariationalOptions { Iterations = o.FlowIterations, LearningRate = o.FlowLearningRate, Schedule = o.FlowLearningRateFloor < 1 ? Inference.Flows.Optimizers.LearningRateSchedule.Cosine(o.FlowIterations, o.FlowLearningRateFloor) : null, EvaluationDraws = 2000, Seed = _seeds.StreamSeed(100 + stream) };
            _evaluations += ((long)options.Iterations * options.BatchSize) + options.EvaluationDraws;
            return VariationalFit.Run(flow, target, options, cancellationToken: ct);
        }

        // L-BFGS from the origin and from pairs of opposite uniform(−r, r) starts (u and −u, so no half-space goes
        // unvisited by chance), r cycling through 2 (Stan's initialization), 6 and 12 so that modes far from the origin
        // have a start in their basin; best log-density first
        private List<LaplaceApproximation> SearchModes()
        {
            int d = target.Dimension;
            var rng = _seeds.Stream(0);
            var found = new List<LaplaceApproximation>();
            var previous = new double[d];
            for (int s = 0; s < o.ModeSearchStarts && !ct.IsCancellationRequested; s++)
            {
                var start = new double[d];
                if (s % 2 == 1)
                {
                    double r = Radii[(s / 2) % Radii.Length];
                    for (int i = 0; i < d; i++)
                    {
                        start[i] = rng.Uniform(-r, r);
                    }
                }
                else if (s > 0)
                {
                    for (int i = 0; i < d; i++)
                    {
                        start[i] = -previous[i];
                    }
                }

                start.CopyTo(previous, 0);

                try
                {
                    found.Add(LaplaceApproximation.Fit(target, start));
                }
                catch (ArgumentException)
                {
                    // a start where the density is not finite: the others decide
                }
            }

            return [.. found.Where(l => double.IsFinite(l.LogDensityAtMode)).OrderByDescending(l => l.LogDensityAtMode)];
        }

        // sound modes that a straight path between them leaves by a barrier: the lower end minus the path's lowest point
        private List<LaplaceApproximation> Distinct(List<LaplaceApproximation> modes)
        {
            var kept = new List<LaplaceApproximation>();
            var evaluator = target.CreateEvaluator();
            foreach (var m in modes.Where(m => m.Converged && m.HessianWasPositiveDefinite))
            {
                if (kept.All(k => Barrier(evaluator, k, m) >= BarrierNats))
                {
                    kept.Add(m);
                }
            }

            return kept;
        }

        private static double Barrier(ILogDensityEvaluator evaluator, LaplaceApproximation a, LaplaceApproximation b)
        {
            int d = a.Mode.Count;
            var x = new double[d];
            double lowest = double.PositiveInfinity;
            for (int k = 1; k < 20; k++)
            {
                double t = k / 20.0;
                for (int i = 0; i < d; i++)
                {
                    x[i] = a.Mode[i] + (t * (b.Mode[i] - a.Mode[i]));
                }

                double lp = evaluator.LogDensity(x);
                lowest = Math.Min(lowest, double.IsNaN(lp) ? double.NegativeInfinity : lp);
            }

            return Math.Min(a.LogDensityAtMode, b.LogDensityAtMode) - lowest;
        }

        private RunSettings Settings(int draws, int stream) => new()
        {
            Chains = o.Chains,
            Warmup = o.Warmup,
            Draws = draws,
            TargetAcceptance = o.TargetAcceptance,
            Seed = _seeds.StreamSeed(stream),
            MaxDegreeOfParallelism = o.MaxDegreeOfParallelism,
        };

        private static double GlobalAcceptance(PosteriorDraws draws)
        {
            var global = draws.Chains.SelectMany(c => c.Stats.Take(c.Draws)).Where(s => double.IsNaN(s.Energy)).ToArray();
            return global.Length == 0 ? double.NaN : global.Average(s => s.AcceptStat);
        }

        private static double LocalCost(PosteriorDraws draws)
        {
            var local = draws.Chains.SelectMany(c => c.Stats.Take(c.Draws)).Where(s => !double.IsNaN(s.Energy)).ToArray();
            return local.Length == 0 ? double.NaN : local.Average(s => s.LeapfrogSteps);
        }

        private static double DivergentShare(PosteriorDraws draws)
        {
            int local = draws.Chains.Sum(c => c.Stats.Take(c.Draws).Count(s => !double.IsNaN(s.Energy)));
            return local == 0 ? 0 : (double)draws.Divergences / local;
        }

        private static void Restore(IEnumerable<Parameter> parameters, double[][] values)
        {
            int i = 0;
            foreach (var p in parameters)
            {
                values[i++].CopyTo(p.Value.Data, 0);
            }
        }

        private void Count(PosteriorDraws draws) => _evaluations += draws.SamplingGradients + draws.Chains.Sum(c => c.WarmupGradients);

        private bool Cancelled()
        {
            if (ct.IsCancellationRequested)
            {
                Reason("Cancelled.");
                return true;
            }

            return false;
        }

        private void Stage(string name)
        {
            EndStage();
            _current = name;
            _watch.Restart();
        }

        private string? _current;

        private void EndStage()
        {
            if (_current is not null)
            {
                _times[_current] = _watch.Elapsed + (_times.TryGetValue(_current, out var t) ? t : TimeSpan.Zero);
                _current = null;
            }
        }

        private void Reason(string text)
        {
            _reasons.Add(text);
            progress?.Report(new AutomaticProgress(_current ?? "", text));
        }

        private AutomaticResult Result(PosteriorDraws? draws, AutomaticMethod method, IReadOnlyList<string> warnings)
        {
            EndStage();
            _diagnostics = _diagnostics with { Evaluations = _evaluations, StageTimes = new Dictionary<string, TimeSpan>(_times) };
            return new AutomaticResult(draws, method, _reasons.ToArray(), warnings, _diagnostics);
        }

        private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
    }
}
