using Inference.Densities;
using Inference.Randomness;

namespace Inference.Flows.Variational;

/// <summary>Settings of a reverse-KL fit.</summary>
public sealed record VariationalOptions : FlowFitOptions
{
    /// <summary>Draws for the final ELBO and the PSIS diagnostic.</summary>
    public int EvaluationDraws { get; init; } = 4000;

    /// <summary>
    /// Use the sticking-the-landing gradient (Roeder, Wu and Duvenaud 2017): the score term ∇_φ log q_φ(x) at fixed x
    /// is dropped, so the gradient's variance vanishes as q approaches p. It can be noisier than the standard
    /// estimator while q is still poor. Needs a flow with an analytic inverse.
    /// </summary>
    public bool StickingTheLanding { get; init; }

    /// <summary>
    /// K for the importance-weighted ELBO (Burda, Grosse and Salakhutdinov 2016): the batch is split into groups of
    /// K draws and the objective is the mean over groups of log((1/K)·Σ p̃/q), a tighter bound that rewards a q
    /// wider than the mode-seeking reverse KL gives. 1 is the standard ELBO; BatchSize must be a multiple of K.
    /// </summary>
    public int ImportanceSamples { get; init; } = 1;

    /// <summary>
    /// Independent fits from fresh initializations (<see cref="VariationalFit.Run(Func{Rng, FlowDistribution}, ILogDensity, VariationalOptions?, IProgress{FitProgress}?, CancellationToken)"/>);
    /// the one with the highest final ELBO is kept. Guards against a poor local optimum.
    /// </summary>
    public int Restarts { get; init; } = 1;

    /// <summary>Anneal the target over the first steps: ℓ → β·ℓ with β rising linearly to 1 (0: no annealing).</summary>
    public int AnnealingSteps { get; init; }

    /// <summary>
    /// Stop when the ELBO averaged over the last <see cref="SmoothingWindow"/> steps has not improved by more than
    /// <see cref="EarlyStoppingTolerance"/> for this many steps (0: never stop early). Annealing steps never count.
    /// </summary>
    public int EarlyStoppingPatience { get; init; }

    /// <summary>Steps averaged in the smoothed ELBO used for early stopping.</summary>
    public int SmoothingWindow { get; init; } = 100;

    /// <summary>Smallest gain of the smoothed ELBO that counts as an improvement.</summary>
    public double EarlyStoppingTolerance { get; init; } = 1e-3;

    /// <summary>
    /// Split each batch into two fixed halves computed on two threads (the halves are the same on one thread, so
    /// the results do not depend on this setting).
    /// </summary>
    public bool Parallel { get; init; } = true;

    /// <inheritdoc/>
    public override void Validate()
    {
        base.Validate();
#pragma warning disable CA2208 // the exceptions name the offending setting
        ArgumentOutOfRangeException.ThrowIfLessThan(EvaluationDraws, 10, nameof(EvaluationDraws));
        ArgumentOutOfRangeException.ThrowIfNegative(AnnealingSteps, nameof(AnnealingSteps));
        ArgumentOutOfRangeException.ThrowIfNegative(EarlyStoppingPatience, nameof(EarlyStoppingPatience));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(SmoothingWindow, nameof(SmoothingWindow));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ImportanceSamples, nameof(ImportanceSamples));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Restarts, nameof(Restarts));
        if (!(EarlyStoppingTolerance >= 0) || double.IsPositiveInfinity(EarlyStoppingTolerance))
        {
            throw new ArgumentOutOfRangeException(nameof(EarlyStoppingTolerance), EarlyStoppingTolerance, "Must be zero or positive, and finite.");
        }
        if (BatchSize % ImportanceSamples != 0)
        {
            throw new ArgumentException($"BatchSize ({BatchSize}) must be a multiple of ImportanceSamples ({ImportanceSamples}).", nameof(ImportanceSamples));
        }

        if (StickingTheLanding && ImportanceSamples > 1)
        {
            throw new ArgumentException("Sticking the landing is biased for the importance-weighted ELBO; use one or the other.", nameof(StickingTheLanding));
        }
#pragma warning restore CA2208
    }
}
