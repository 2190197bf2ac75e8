namespace Inference.Samplers.Kernels;

/// <summary>What one MCMC transition did (Stan's per-draw sampler statistics).</summary>
/// <param name="LogDensity">log p of the new state (lp__).</param>
/// <param name="AcceptStat">Mean Metropolis acceptance over the trajectory (accept_stat__).</param>
/// <param name="StepSize">The step size used (stepsize__).</param>
/// <param name="TreeDepth">NUTS tree depth (treedepth__; 0 for other kernels).</param>
/// <param name="LeapfrogSteps">Gradient evaluations in the transition (n_leapfrog__).</param>
/// <param name="Divergent">Whether the trajectory diverged (divergent__).</param>
/// <param name="Energy">Hamiltonian of the new state (energy__).</param>
public readonly record struct Transition(double LogDensity, double AcceptStat, double StepSize, int TreeDepth, int LeapfrogSteps, bool Divergent, double Energy);
