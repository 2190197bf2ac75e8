using Inference.Samplers.Adaptation;
using Inference.Samplers.Hamiltonian;

namespace Inference.Samplers.Running;

/// <summary>How to run chains: counts, seed, parallelism and warmup adaptation (Stan's defaults).</summary>
public sealed record RunSettings
{
    /// <summary>Number of chains.</summary>
    public int Chains { get; init; } = 4;

    /// <summary>Warmup iterations per chain (adaptation; not recorded unless <see cref="SaveWarmup"/>).</summary>
    public int Warmup { get; init; } = 1000;

    /// <summary>Recorded draws per chain (after thinning).</summary>
    public int Draws { get; init; } = 1000;

    /// <summary>Keep every <c>Thin</c>-th sampling iteration.</summary>
    public int Thin { get; init; } = 1;

    /// <summary>Root seed; chain i uses <c>new SeedSequence(Seed).Stream(i)</c>.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Chains run at once (default: the number of cores). The draws do not depend on it.</summary>
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Also record the warmup draws.</summary>
    public bool SaveWarmup { get; init; }

    /// <summary>Target acceptance statistic δ of step-size adaptation (default: the kernel's, 0.8 for NUTS and HMC).</summary>
    public double? TargetAcceptance { get; init; }

    /// <summary>The metric to adapt: unit (step size only), diagonal or dense.</summary>
    public MetricKind Metric { get; init; } = MetricKind.Diagonal;

    /// <summary>The step size warmup starts from.</summary>
    public double InitialStepSize { get; init; } = 1;

    /// <summary>Initial positions are drawn uniformly from (−radius, radius) on the unconstrained scale.</summary>
    public double InitRadius { get; init; } = 2;

    /// <summary>
    /// Optional initial unconstrained position per chain (overrides random initialization). The runner refuses, before
    /// any chain starts, a position where the log-density or its gradient is not finite.
    /// </summary>
    public IReadOnlyList<double[]>? InitialPositions { get; init; }

    /// <summary>How warmup adapts the kernel (default: the kernel's <see cref="Kernels.IMcmcKernel.DefaultAdaptation"/>, Stan's windows).</summary>
    public IWarmupAdaptation? Adaptation { get; init; }

    /// <summary>Warmup plus sampling iterations of one chain (checked by <see cref="Validate"/> to fit an int).</summary>
    public int TotalIterations => Warmup + (Draws * Thin);

    /// <summary>Checks the settings against a density of <paramref name="dimension"/>.</summary>
    public void Validate(int dimension)
    {
#pragma warning disable CA2208 // the exceptions name the offending setting, which is what a caller needs to fix
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Chains, nameof(Chains));
        ArgumentOutOfRangeException.ThrowIfNegative(Warmup, nameof(Warmup));
        ArgumentOutOfRangeException.ThrowIfNegative(Draws, nameof(Draws));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Thin, nameof(Thin));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxDegreeOfParallelism, nameof(MaxDegreeOfParallelism));
        if (TargetAcceptance is { } delta && !(delta > 0 && delta < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(TargetAcceptance), TargetAcceptance, "Must be in (0, 1).");
        }

        if (!(InitialStepSize > 0) || double.IsInfinity(InitialStepSize))
        {
            throw new ArgumentOutOfRangeException(nameof(InitialStepSize), InitialStepSize, "Must be positive and finite.");
        }

        if ((long)Draws * Thin > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(Thin), Thin, $"Draws × Thin = {(long)Draws * Thin} sampling iterations per chain exceeds {int.MaxValue}.");
        }

        if (Warmup + ((long)Draws * Thin) > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(Warmup), Warmup, $"Warmup + Draws × Thin = {Warmup + ((long)Draws * Thin)} iterations per chain exceeds {int.MaxValue}.");
        }

        if (!(InitRadius >= 0) || double.IsInfinity(InitRadius))
        {
            throw new ArgumentOutOfRangeException(nameof(InitRadius), InitRadius, "Must be finite and non-negative.");
        }

        if (InitialPositions is not null)
        {
            if (InitialPositions.Count != Chains)
            {
                throw new ArgumentException($"InitialPositions holds {InitialPositions.Count} positions for {Chains} chains; it needs one per chain.", nameof(InitialPositions));
            }

            for (int c = 0; c < Chains; c++)
            {
                var p = InitialPositions[c];
                if (p is null || p.Length != dimension)
                {
                    throw new ArgumentException($"Chain {c + 1}: InitialPositions[{c}] has {(p is null ? "no position" : $"length {p.Length}")}; the density has dimension {dimension}.", nameof(InitialPositions));
                }

                int bad = Array.FindIndex(p, v => !double.IsFinite(v));
                if (bad >= 0)
                {
                    throw new ArgumentException($"Chain {c + 1}: InitialPositions[{c}][{bad}] is {p[bad]}; positions must be finite.", nameof(InitialPositions));
                }
            }
        }
#pragma warning restore CA2208
    }
}

/// <summary>Which phase a chain is in.</summary>
public enum ChainPhase
{
    /// <summary>Adaptation.</summary>
    Warmup,

    /// <summary>Recording draws.</summary>
    Sampling,

    /// <summary>Finished (or cancelled).</summary>
    Done,
}

/// <summary>A progress report from one chain.</summary>
/// <param name="Chain">0-based chain index.</param>
/// <param name="Phase">Warmup or sampling.</param>
/// <param name="Iteration">Iterations done in the whole run of this chain.</param>
/// <param name="TotalIterations">Warmup plus sampling iterations.</param>
/// <param name="Divergences">Divergent transitions so far (after warmup).</param>
/// <param name="StepSize">Current step size.</param>
public readonly record struct ChainProgress(int Chain, ChainPhase Phase, int Iteration, int TotalIterations, int Divergences, double StepSize);
