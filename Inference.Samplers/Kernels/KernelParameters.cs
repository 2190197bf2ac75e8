using Inference.Samplers.Hamiltonian;

namespace Inference.Samplers.Kernels;

/// <summary>
/// The tunables of a kernel, passed at every step so adaptation can change them: a step size (for proposal kernels, a
/// scale) and the inverse metric (for proposal kernels, the proposal's covariance shape).
/// </summary>
public sealed class KernelParameters
{
    /// <summary>Creates parameters.</summary>
    public KernelParameters(double stepSize, Metric metric)
    {
        ArgumentNullException.ThrowIfNull(metric);
        StepSize = stepSize;
        Metric = metric;
    }

    /// <summary>The step size ε (leapfrog step, Langevin step or random-walk scale).</summary>
    public double StepSize { get; set; }

    /// <summary>The inverse metric.</summary>
    public Metric Metric { get; set; }
}
