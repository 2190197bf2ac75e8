using Inference.Samplers.Hamiltonian;
using Inference.Samplers.Kernels;
using Inference.Samplers.Running;

namespace Inference.Extensions.DependencyInjection;

/// <summary>A named sampler's settings, bindable from configuration (<c>Inference:Samplers:&lt;name&gt;</c>).</summary>
public sealed class SamplerOptions
{
    /// <summary>The kernel, by its <see cref="KernelCatalog"/> name: "nuts" (the default), "hmc", "mala", "rwm", ….</summary>
    public string Kernel { get; set; } = "nuts";

    /// <summary>The metric: "diagonal" (the default), "dense" or "unit".</summary>
    public string Metric { get; set; } = "diagonal";

    /// <summary>Chains.</summary>
    public int Chains { get; set; } = 4;

    /// <summary>Warmup iterations per chain.</summary>
    public int Warmup { get; set; } = 1000;

    /// <summary>Recorded draws per chain.</summary>
    public int Draws { get; set; } = 1000;

    /// <summary>Thinning.</summary>
    public int Thin { get; set; } = 1;

    /// <summary>The root seed.</summary>
    public ulong Seed { get; set; } = 1;

    /// <summary>δ of step-size adaptation in (0, 1); the kernel's default when absent.</summary>
    public double? TargetAcceptance { get; set; }

    /// <summary>NUTS's maximum tree depth.</summary>
    public int MaxTreeDepth { get; set; } = 10;

    /// <summary>Whether to keep the warmup draws.</summary>
    public bool SaveWarmup { get; set; }

    internal static IReadOnlyList<string> Kernels => KernelCatalog.Names;

    // the catalog's kernel with its defaults; NUTS takes the configured tree depth
    internal IMcmcKernel CreateKernel() => Kernel == "nuts" ? new Nuts(new NutsOptions { MaxTreeDepth = MaxTreeDepth }) : KernelCatalog.Create(Kernel);

    internal RunSettings ToRunSettings() => new()
    {
        Chains = Chains,
        Warmup = Warmup,
        Draws = Draws,
        Thin = Thin,
        Seed = Seed,
        TargetAcceptance = TargetAcceptance,
        SaveWarmup = SaveWarmup,
        Metric = Metric switch { "dense" => MetricKind.Dense, "unit" => MetricKind.Unit, _ => MetricKind.Diagonal },
    };
}

/// <summary>A named flow's settings, bindable from configuration (<c>Inference:Flows:&lt;name&gt;</c>).</summary>
public sealed class FlowOptions
{
    /// <summary>The flow: RealNvp (the default), InverseAutoregressive, NeuralSpline, MeanField, … (Inference.FlowKind).</summary>
    public string Kind { get; set; } = nameof(Inference.FlowKind.RealNvp);

    /// <summary>Optimization steps.</summary>
    public int Iterations { get; set; } = 2000;

    /// <summary>Adam's learning rate.</summary>
    public double LearningRate { get; set; } = 1e-3;

    /// <summary>The seed of the initialization and the draws.</summary>
    public ulong Seed { get; set; } = 1;
}
