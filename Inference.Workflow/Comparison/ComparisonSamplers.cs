using System.Diagnostics;
using Inference.Densities;
using Inference.Flows.Variational;
using Inference.Results;
using Inference.Samplers.Hamiltonian;
using Inference.Samplers.Kernels;
using Inference.Samplers.Reparam;
using Inference.Samplers.Running;
using Inference.Workflow.Automatic;
using AutomaticCall = Inference.Workflow.Automatic.Automatic;

namespace Inference.Workflow.Comparison;

/// <summary>What one sampler produced on one target with one seed.</summary>
/// <param name="Draws">The draws on the target's reported scale.</param>
/// <param name="TotalGradients">Every gradient evaluation the run cost: warmup, sampling, and any flow fit.</param>
/// <param name="WallTime">The run's wall time end to end, any flow fit included.</param>
/// <param name="Notes">What the user should know beyond the draws' own summary (a flow's k̂, say).</param>
public sealed record SamplerOutcome(PosteriorDraws Draws, long TotalGradients, TimeSpan WallTime, IReadOnlyList<string> Notes);

/// <summary>A sampler configuration the comparison can run, by a lower-kebab registry name.</summary>
public interface IComparisonSampler
{
    /// <summary>Registry name ("nuts", "nuts-dense", "neutra", …).</summary>
    string Name { get; }

    /// <summary>One line saying what it is.</summary>
    string Description { get; }

    /// <summary>Runs on <paramref name="density"/> with the settings' chain counts and <paramref name="seed"/>.</summary>
    SamplerOutcome Run(ILogDensity density, ComparisonSettings settings, ulong seed, IProgress<double>? progress, CancellationToken cancellationToken);
}

/// <summary>The samplers the comparison knows by name; others can be registered.</summary>
public static class ComparisonSamplers
{
    private static readonly Dictionary<string, IComparisonSampler> Registry = new(StringComparer.Ordinal);
    private static readonly Lock Gate = new();

    static ComparisonSamplers()
    {
        Register(new ChainSampler("nuts", "NUTS, diagonal metric (Stan's defaults)", () => new Nuts(), MetricKind.Diagonal));
        Register(new ChainSampler("nuts-dense", "NUTS, dense metric", () => new Nuts(), MetricKind.Dense));
        Register(new ChainSampler("hmc", "static HMC, path length 2π, diagonal metric", () => new StaticHmc(), MetricKind.Diagonal));
        Register(new ChainSampler("mala", "Metropolis-adjusted Langevin, diagonal metric", () => new Mala(), MetricKind.Diagonal));
        Register(new ChainSampler("rwm", "random-walk Metropolis, diagonal metric", () => new RandomWalkMetropolis(), MetricKind.Diagonal));
        Register(new NeuTraSampler());
        Register(new AutomaticSampler());
    }

    /// <summary>The registered names, in registration order.</summary>
    public static IReadOnlyList<string> Names
    {
        get
        {
            lock (Gate)
            {
                return Registry.Keys.ToArray();
            }
        }
    }

    /// <summary>Adds (or replaces) a sampler under its name.</summary>
    public static void Register(IComparisonSampler sampler)
    {
        ArgumentNullException.ThrowIfNull(sampler);
        ArgumentException.ThrowIfNullOrWhiteSpace(sampler.Name);
        lock (Gate)
        {
            Registry[sampler.Name] = sampler;
        }
    }

    /// <summary>The sampler registered as <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No sampler has that name (the message lists those that do).</exception>
    public static IComparisonSampler Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (Gate)
        {
            return Registry.TryGetValue(name, out var s) ? s
                : throw new KeyNotFoundException($"There is no sampler '{name}'. The samplers are: {string.Join(", ", Registry.Keys)}.");
        }
    }

    private static RunSettings Settings(ComparisonSettings settings, ulong seed, MetricKind metric) => new()
    {
        Chains = settings.Chains,
        Warmup = settings.Warmup,
        Draws = settings.Draws,
        Seed = seed,
        Metric = metric,
        MaxDegreeOfParallelism = settings.MaxDegreeOfParallelism,
    };

    private static SynchronousProgress<ChainProgress>? ChainFraction(IProgress<double>? progress, int chains, double offset, double share)
    {
        if (progress is null)
        {
            return null;
        }

        var done = new double[chains];
        var gate = new Lock();
        return new SynchronousProgress<ChainProgress>(p =>
        {
            lock (gate)
            {
                done[p.Chain] = p.Iteration < 0 ? 1 : (double)p.Iteration / Math.Max(1, p.TotalIterations);
                progress.Report(offset + (share * done.Average()));
            }
        });
    }

    private sealed class ChainSampler(string name, string description, Func<IMcmcKernel> kernel, MetricKind metric) : IComparisonSampler
    {
        public string Name => name;

        public string Description => description;

        public SamplerOutcome Run(ILogDensity density, ComparisonSettings settings, ulong seed, IProgress<double>? progress, CancellationToken cancellationToken)
        {
            var watch = Stopwatch.StartNew();
            var draws = ChainRunner.Run(kernel(), density, Settings(settings, seed, metric), ChainFraction(progress, settings.Chains, 0, 1), cancellationToken);
            long gradients = draws.Chains.Sum(c => c.WarmupGradients + c.SamplingGradients);
            return new SamplerOutcome(draws, gradients, watch.Elapsed, []);
        }
    }

    /// <summary>NeuTra-NUTS: a RealNVP fitted by reverse KL, then NUTS on the target pulled back through it.</summary>
    private sealed class NeuTraSampler : IComparisonSampler
    {
        public string Name => "neutra";

        public string Description => "NeuTra-NUTS on a RealNVP (8 × MLP 2×64) fitted by reverse KL";

        public SamplerOutcome Run(ILogDensity density, ComparisonSettings settings, ulong seed, IProgress<double>? progress, CancellationToken cancellationToken)
        {
            var watch = Stopwatch.StartNew();
            var options = new VariationalOptions { Iterations = settings.VariationalIterations, Seed = seed };
            var fitProgress = progress is null ? null : new SynchronousProgress<FitProgress>(p => progress.Report(0.5 * p.Iteration / Math.Max(1, p.Iterations)));
            var fit = density.Fit(FlowKind.RealNvp, options, fitProgress, cancellationToken);
            // a step costs one gradient per draw of the batch, plus the evaluation draws' log-densities
            long fitGradients = ((long)fit.ElboHistory.Count * options.BatchSize) + options.EvaluationDraws;
            var draws = ChainRunner.Nuts(new NeuTraDensity(density, fit.Flow.Transform), Settings(settings, seed, MetricKind.Diagonal), progress: ChainFraction(progress, settings.Chains, 0.5, 0.5), cancellationToken: cancellationToken);
            long gradients = fitGradients + draws.Chains.Sum(c => c.WarmupGradients + c.SamplingGradients);
            var notes = new List<string> { "flow fit: " + fit.Verdict };
            notes.AddRange(fit.Warnings);
            return new SamplerOutcome(draws, gradients, watch.Elapsed, notes);
        }
    }
    /// <summary>
    /// The automatic call (<see cref="AutomaticCall.Run"/>): it chooses the method itself, so only the comparison's chains,
    /// draws and seed reach it; its warmup is its own short one unless the comparison asks for less.
    /// </summary>
    private sealed class AutomaticSampler : IComparisonSampler
    {
        private static readonly string[] Stages = ["laplace", "flow", "pilot", "refit", "sampling", "flowmc"];

        public string Name => "auto";

        public string Description => "the automatic call: mode search, then NeuTra-NUTS on a Laplace or flow map, flowMC or dense NUTS, as it decides";

        public SamplerOutcome Run(ILogDensity density, ComparisonSettings settings, ulong seed, IProgress<double>? progress, CancellationToken cancellationToken)
        {
            var watch = Stopwatch.StartNew();
            var defaults = new AutomaticOptions();
            var options = defaults with
            {
                Seed = seed,
                Chains = settings.Chains,
                Transitions = settings.Draws,
                Warmup = Math.Max(20, Math.Min(settings.Warmup, defaults.Warmup)),
                MaxDegreeOfParallelism = settings.MaxDegreeOfParallelism,
            };
            var stageProgress = progress is null ? null : new SynchronousProgress<AutomaticProgress>(p =>
            {
                int stage = Array.IndexOf(Stages, p.Stage);
                progress.Report(stage < 0 ? 0 : Math.Min(1, (double)stage / (Stages.Length - 1)));
            });
            var result = AutomaticCall.Run(density, options, stageProgress, cancellationToken);
            if (result.Draws is null)
            {
                // cancelled before any draw was made: the comparison keeps the runs that finished
                cancellationToken.ThrowIfCancellationRequested();
                throw new InvalidOperationException("The automatic call returned no draws: " + string.Join(" ", result.Warnings));
            }

            var notes = new List<string> { "method: " + result.Method };
            notes.AddRange(result.Reasons);
            notes.AddRange(result.Warnings);
            return new SamplerOutcome(result.Draws, result.Diagnostics.Evaluations, watch.Elapsed, notes);
        }
    }
}

/// <summary>
/// Reports on the reporting thread, at once (System.Progress posts to the thread pool, so its reports can arrive after
/// the work has ended and out of order).
/// </summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
