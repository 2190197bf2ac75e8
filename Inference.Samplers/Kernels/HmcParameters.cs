using Inference.Samplers.Hamiltonian;

namespace Inference.Samplers.Kernels;

/// <summary>The tunables of a Hamiltonian kernel, passed at every step so adaptation can change them.</summary>
public sealed class HmcParameters
{
    /// <summary>Creates parameters.</summary>
    public HmcParameters(double stepSize, Metric metric)
    {
        ArgumentNullException.ThrowIfNull(metric);
        StepSize = stepSize;
        Metric = metric;
    }

    /// <summary>The leapfrog step size ε.</summary>
    public double StepSize { get; set; }

    /// <summary>The inverse metric.</summary>
    public Metric Metric { get; set; }
}
