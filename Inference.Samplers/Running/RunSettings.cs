using Inference.Samplers.Hamiltonian;

namespace Inference.Samplers.Running;

/// <summary>How to run chains: counts, seed, parallelism and warmup adaptation (Stan's defaults).</summary>
public sealed class RunSettings
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

    /// <summary>Optional initial unconstrained position per chain (overrides random initialization).</summary>
    public IReadOnlyList<double[]>? InitialPositions { get; init; }

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

        if (InitialPositions is not null && (InitialPositions.Count != Chains || InitialPositions.Any(p => p is null || p.Length != dimension)))
        {
            throw new ArgumentException($"InitialPositions needs one position of length {dimension} per chain.", nameof(InitialPositions));
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
