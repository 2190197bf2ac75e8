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
        if (metric.Kind == MetricKind.Dense)
        {
            SmallVector.MultiplyAdd(z.Gradient, half, z.Momentum, z.Momentum);
            metric.Velocity(z.Momentum, z.Velocity);
            SmallVector.MultiplyAdd(z.Velocity, stepSize, z.Position, z.Position);
            z.LogDensity = target.LogDensityAndGradient(z.Position, z.Gradient);
            SmallVector.MultiplyAdd(z.Gradient, half, z.Momentum, z.Momentum);
            metric.Velocity(z.Momentum, z.Velocity);
            return;
        }

        // unit and diagonal: the half kick, the velocity and the drift in one pass, then the second half kick with its
        // velocity; each element gets the same IEEE operations in the same order as the separate passes
        var g = z.Gradient;
        var p = z.Momentum;
        var v = z.Velocity;
        var x = z.Position;
        int d = x.Length;
        if (g.Length != d || p.Length != d || v.Length != d)
        {
            throw new ArgumentException("The phase point's vectors differ in length.", nameof(z));
        }

        var a = metric.DiagonalArray;
        if (a.Length != d)
        {
            throw new ArgumentException($"The metric has dimension {a.Length}; the point has {d}.", nameof(metric));
        }

        bool unit = metric.Kind == MetricKind.Unit;
        for (int i = 0; i < d; i++)
        {
            double pi = (g[i] * half) + p[i];
            p[i] = pi;
            double vi = unit ? pi : pi * a[i];
            v[i] = vi;
            x[i] = (vi * stepSize) + x[i];
        }

        z.LogDensity = target.LogDensityAndGradient(x, g);
        for (int i = 0; i < d; i++)
        {
            double pi = (g[i] * half) + p[i];
            p[i] = pi;
            v[i] = unit ? pi : pi * a[i];
        }
    }
}
