using Inference.Densities;
using Inference.Modeling;
using Inference.Results;
using Inference.Samplers.Kernels;
using Inference.Samplers.Reparam;
using Inference.Samplers.Running;
using Inference.Transforms;

namespace Inference;

/// <summary>
/// One-call sampling: <c>model.Sample()</c> runs NUTS with Stan's defaults (4 chains, 1000 warmup and 1000 draws,
/// diagonal metric) on a model or any log-density; <c>model.SampleNeuTra(fit)</c> runs NeuTra-NUTS on a fitted flow.
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

    /// <summary>
    /// NeuTra-NUTS on <paramref name="model"/> through the fitted map <paramref name="fit"/> (a <c>model.Fit()</c> result):
    /// see <see cref="NeuTra.Sample"/>. The result carries the flow's k̂ and warns when the draws cannot be trusted.
    /// </summary>
    public static NeuTraResult SampleNeuTra(this Model model, IFittedTransport fit, RunSettings? settings = null, NeuTraOptions? options = null, IProgress<ChainProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        return NeuTra.Sample(model.Compile(), fit, settings, options, progress, cancellationToken);
    }
}
