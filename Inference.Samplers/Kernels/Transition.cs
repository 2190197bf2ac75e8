namespace Inference.Samplers.Kernels;

/// <summary>What one MCMC transition did (Stan's per-draw sampler statistics).</summary>
/// <param name="LogDensity">log p of the new state (lp__).</param>
/// <param name="AcceptStat">Mean Metropolis acceptance over the trajectory (accept_stat__).</param>
/// <param name="StepSize">The step size used (stepsize__).</param>
/// <param name="TreeDepth">NUTS tree depth (treedepth__; 0 for other kernels).</param>
/// <param name="LeapfrogSteps">Gradient (or log-density) evaluations in the transition (n_leapfrog__).</param>
/// <param name="Divergent">Whether the trajectory diverged (divergent__).</param>
/// <param name="Energy">Hamiltonian of the new state (energy__; NaN for a move without momentum).</param>
/// <param name="Local">
/// False for a global (independence) move of a <see cref="LocalGlobalKernel"/>: its acceptance says nothing about the
/// local kernel's step size, so step-size adaptation learns from local moves only.
/// </param>
public readonly record struct Transition(double LogDensity, double AcceptStat, double StepSize, int TreeDepth, int LeapfrogSteps, bool Divergent, double Energy, bool Local = true);

/// <summary>
/// An evaluator that computes many log-densities (no gradients) in one pass, cheaper than one call per point: global
/// moves score a batch of proposals this way.
/// </summary>
public interface IBatchValueEvaluator
{
    /// <summary>log p of each row of <paramref name="points"/> (count × d) into <paramref name="values"/>.</summary>
    void LogDensityBatch(ReadOnlySpan<double> points, Span<double> values);
}
