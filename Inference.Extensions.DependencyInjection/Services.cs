using Inference.Densities;
using Inference.Flows;
using Inference.Flows.Variational;
using Inference.Results;
using Inference.Samplers.Running;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Inference.Extensions.DependencyInjection;

/// <summary>A sampler configured by name (resolve it with <c>GetRequiredKeyedService&lt;IInferenceSampler&gt;(name)</c>).</summary>
public interface IInferenceSampler
{
    /// <summary>The registration name.</summary>
    string Name { get; }

    /// <summary>The options it runs with.</summary>
    SamplerOptions Options { get; }

    /// <summary>Samples <paramref name="density"/>; the summary's warnings (divergences, R-hat, ESS, …) go to the logger.</summary>
    PosteriorDraws Sample(ILogDensity density, IProgress<ChainProgress>? progress = null, CancellationToken cancellationToken = default);
}

/// <summary>A variational flow configured by name (resolve it with <c>GetRequiredKeyedService&lt;IInferenceFlow&gt;(name)</c>).</summary>
public interface IInferenceFlow
{
    /// <summary>The registration name.</summary>
    string Name { get; }

    /// <summary>The options it fits with.</summary>
    FlowOptions Options { get; }

    /// <summary>Fits the flow to <paramref name="density"/>; the fit's warnings (k̂ verdict, skipped steps, …) go to the logger.</summary>
    FitResult Fit(ILogDensity density, IProgress<FitProgress>? progress = null, CancellationToken cancellationToken = default);
}

internal sealed partial class InferenceSampler(string name, SamplerOptions options, ILogger logger) : IInferenceSampler
{
    public string Name { get; } = name;

    public SamplerOptions Options { get; } = options;

    public PosteriorDraws Sample(ILogDensity density, IProgress<ChainProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(density);
        var draws = ChainRunner.Run(Options.CreateKernel(), density, Options.ToRunSettings(), progress, cancellationToken);
        foreach (var warning in draws.Summary(Options.MaxTreeDepth).Warnings)
        {
            LogWarning(logger, Name, warning);
        }

        return draws;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Sampler '{Sampler}': {Warning}")]
    private static partial void LogWarning(ILogger logger, string sampler, string warning);
}

internal sealed partial class InferenceFlow(string name, FlowOptions options, ILogger logger) : IInferenceFlow
{
    public string Name { get; } = name;

    public FlowOptions Options { get; } = options;

    public FitResult Fit(ILogDensity density, IProgress<FitProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(density);
        var kind = Enum.Parse<Inference.FlowKind>(Options.Kind, ignoreCase: true);
        var fit = density.Fit(kind, new VariationalOptions { Iterations = Options.Iterations, LearningRate = Options.LearningRate, Seed = Options.Seed }, progress, cancellationToken);
        foreach (var warning in fit.Warnings)
        {
            LogWarning(logger, Name, warning);
        }

        return fit;
    }

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Flow '{Flow}': {Warning}")]
    private static partial void LogWarning(ILogger logger, string flow, string warning);
}

internal static class Loggers
{
    public static ILogger For<T>(IServiceProvider services) =>
        (services.GetService(typeof(ILoggerFactory)) as ILoggerFactory)?.CreateLogger(typeof(T).FullName!) ?? NullLogger.Instance;
}
