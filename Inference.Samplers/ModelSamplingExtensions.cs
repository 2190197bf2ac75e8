using Inference.Densities;
using Inference.Modeling;
using Inference.Results;
using Inference.Samplers.Kernels;
using Inference.Samplers.Running;

namespace Inference;

/// <summary>
/// One-call sampling: <c>model.Sample()</c> runs NUTS with Stan's defaults (4 chains, 1000 warmup and 1000 draws,
/// diagonal metric) on a model or any log-density.
/// </summary>
public static class ModelSamplingExtensions
{
    /// <summary>Samples <paramref name="model"/> with NUTS (compiling it once).</summary>
    /// <returns>The draws, indexable by name (<c>draws["mu"]</c>); <c>draws.Summary()</c> gives the table and warnings.</returns>
    public static PosteriorDraws Sample(this Model model, RunSettings? settings = null, NutsOptions? nuts = null, IProgress<ChainProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        return ChainRunner.Nuts(model.Compile(), settings, nuts, progress, cancellationToken);
    }

    /// <summary>Samples <paramref name="density"/> with NUTS.</summary>
    public static PosteriorDraws Sample(this ILogDensity density, RunSettings? settings = null, NutsOptions? nuts = null, IProgress<ChainProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(density);
        return ChainRunner.Nuts(density, settings, nuts, progress, cancellationToken);
    }
}
