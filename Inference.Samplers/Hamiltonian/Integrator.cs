using System.Runtime.CompilerServices;
using Inference.Densities;

namespace Inference.Samplers.Hamiltonian;

/// <summary>The leapfrog (velocity Verlet) integrator for H(x, p) = −log p(x) + ½pᵀAp.</summary>
public static class Integrator
{
    /// <summary>
    /// One leapfrog step of size <paramref name="stepSize"/> (negative to go backwards), in place:
    /// p ← p + (ε/2)∇log p(x); x ← x + εAp; p ← p + (ε/2)∇log p(x). The gradient and log-density at the
    /// new position are cached in the point. A non-finite log-density is kept (the caller rejects it).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Leapfrog(PhasePoint z, ILogDensityEvaluator target, Metric metric, double stepSize)
    {
        double half = 0.5 * stepSize;
        SmallVector.MultiplyAdd(z.Gradient, half, z.Momentum, z.Momentum);
        metric.Velocity(z.Momentum, z.Velocity);
        SmallVector.MultiplyAdd(z.Velocity, stepSize, z.Position, z.Position);
        z.LogDensity = target.LogDensityAndGradient(z.Position, z.Gradient);
        SmallVector.MultiplyAdd(z.Gradient, half, z.Momentum, z.Momentum);
        metric.Velocity(z.Momentum, z.Velocity);
    }
}
