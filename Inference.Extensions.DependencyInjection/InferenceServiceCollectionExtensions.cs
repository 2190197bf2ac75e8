using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Inference.Extensions.DependencyInjection;

/// <summary>Declares the samplers and flows <see cref="InferenceServiceCollectionExtensions.AddInference(IServiceCollection, Action{InferenceBuilder}?)"/> registers.</summary>
public sealed class InferenceBuilder
{
    internal InferenceBuilder(IServiceCollection services) => Services = services;

    /// <summary>The service collection.</summary>
    public IServiceCollection Services { get; }

    /// <summary>A sampler under <paramref name="name"/> (a keyed <see cref="IInferenceSampler"/>), its options configured by <paramref name="configure"/>.</summary>
    public InferenceBuilder AddSampler(string name, Action<SamplerOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var options = Services.AddOptions<SamplerOptions>(name);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        Services.TryAddKeyedSingleton<IInferenceSampler>(name, (sp, _) =>
            new InferenceSampler(name, sp.GetRequiredService<IOptionsMonitor<SamplerOptions>>().Get(name), Loggers.For<InferenceSampler>(sp)));
        return this;
    }

    /// <summary>A flow under <paramref name="name"/> (a keyed <see cref="IInferenceFlow"/>), its options configured by <paramref name="configure"/>.</summary>
    public InferenceBuilder AddFlow(string name, Action<FlowOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var options = Services.AddOptions<FlowOptions>(name);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        Services.TryAddKeyedSingleton<IInferenceFlow>(name, (sp, _) =>
            new InferenceFlow(name, sp.GetRequiredService<IOptionsMonitor<FlowOptions>>().Get(name), Loggers.For<InferenceFlow>(sp)));
        return this;
    }
}

/// <summary>
/// <c>services.AddInference(…)</c>: Inference's samplers and flows as keyed services by name, with options through IOptions
/// validated when the host starts (a message naming the option), and the library's warnings through ILogger. Every kernel
/// of <see cref="Inference.Samplers.Kernels.KernelCatalog"/> is registered by its name with its defaults, and "nuts-dense";
/// flows "realnvp", "iaf", "nsf", "meanfield". Calling it again adds nothing twice.
/// </summary>
public static class InferenceServiceCollectionExtensions
{
    /// <summary>Registers the default samplers and flows, then those <paramref name="configure"/> declares.</summary>
    public static IServiceCollection AddInference(this IServiceCollection services, Action<InferenceBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = new InferenceBuilder(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SamplerOptions>, SamplerOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FlowOptions>, FlowOptionsValidator>());
        if (!services.Any(d => d.ServiceType == typeof(DefaultsMarker)))
        {
            services.AddSingleton<DefaultsMarker>();
            foreach (string kernel in Inference.Samplers.Kernels.KernelCatalog.Names)
            {
                builder.AddSampler(kernel, o => o.Kernel = kernel);
            }

            builder.AddSampler("nuts-dense", o => o.Metric = "dense");
            builder.AddFlow("realnvp").AddFlow("iaf", o => o.Kind = "InverseAutoregressive").AddFlow("nsf", o => o.Kind = "NeuralSpline")
                .AddFlow("meanfield", o => o.Kind = "MeanField");
        }

        configure?.Invoke(builder);
        return services;
    }

    /// <summary>
    /// Registers the samplers and flows of a configuration section: <c>Samplers:&lt;name&gt;:&lt;option&gt;</c> and
    /// <c>Flows:&lt;name&gt;:&lt;option&gt;</c> (for example the section "Inference" of appsettings.json).
    /// </summary>
    public static IServiceCollection AddInference(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return services.AddInference(builder =>
        {
            foreach (var sampler in configuration.GetSection("Samplers").GetChildren())
            {
                builder.Services.Configure<SamplerOptions>(sampler.Key, sampler);
                builder.AddSampler(sampler.Key);
            }

            foreach (var flow in configuration.GetSection("Flows").GetChildren())
            {
                builder.Services.Configure<FlowOptions>(flow.Key, flow);
                builder.AddFlow(flow.Key);
            }
        });
    }

    private sealed class DefaultsMarker;
}
