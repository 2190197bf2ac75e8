using Inference.Extensions.DependencyInjection;
using Inference.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Inference.Tests.Extensions;

/// <summary>services.AddInference() with a real ServiceProvider: keyed samplers by name, options validated at start, warnings through ILogger.</summary>
public class DependencyInjectionTests
{
    private static ServiceProvider Build(Action<IServiceCollection> configure, CapturingLoggerProvider? logs = null)
    {
        var services = new ServiceCollection();
        services.AddLogging(b =>
        {
            if (logs is not null)
            {
                b.AddProvider(logs);
            }
        });
        configure(services);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        provider.GetRequiredService<IStartupValidator>().Validate();     // what the host does at start
        return provider;
    }

    [Fact]
    public void TwoDifferentlyConfiguredNutsSamplers_ResolveByName_AndDivergencesAreLogged()
    {
        var logs = new CapturingLoggerProvider();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Inference:Samplers:quick:Chains"] = "2",
            ["Inference:Samplers:quick:Warmup"] = "150",
            ["Inference:Samplers:quick:Draws"] = "150",
            ["Inference:Samplers:quick:Seed"] = "3",
            ["Inference:Samplers:careful:Chains"] = "2",
            ["Inference:Samplers:careful:Warmup"] = "150",
            ["Inference:Samplers:careful:Draws"] = "100",
            ["Inference:Samplers:careful:TargetAcceptance"] = "0.99",
        }).Build();
        using var provider = Build(s => s.AddInference(configuration.GetSection("Inference")), logs);
        var quick = provider.GetRequiredKeyedService<IInferenceSampler>("quick");
        var careful = provider.GetRequiredKeyedService<IInferenceSampler>("careful");
        Assert.Equal(("nuts", 150, null), (quick.Options.Kernel, quick.Options.Draws, quick.Options.TargetAcceptance));
        Assert.Equal((100, 0.99), (careful.Options.Draws, careful.Options.TargetAcceptance));
        Assert.Same(quick, provider.GetRequiredKeyedService<IInferenceSampler>("quick"));
        var draws = quick.Sample(EightSchools.Centered().Compile());     // the centered funnel diverges
        Assert.True(draws.Divergences > 0);
        Assert.Contains(logs.Entries, e => e.Level == LogLevel.Warning && e.Message.StartsWith("Sampler 'quick':", StringComparison.Ordinal) && e.Message.Contains("diverged", StringComparison.Ordinal));
        // the defaults are there by name too: every kernel of the catalog, and nuts-dense
        foreach (string kernel in Inference.Samplers.Kernels.KernelCatalog.Names)
        {
            Assert.Equal(kernel, provider.GetRequiredKeyedService<IInferenceSampler>(kernel).Options.Kernel);
        }

        Assert.Equal("dense", provider.GetRequiredKeyedService<IInferenceSampler>("nuts-dense").Options.Metric);
        Assert.Equal("NeuralSpline", provider.GetRequiredKeyedService<IInferenceFlow>("nsf").Options.Kind);
    }

    [Theory]
    [InlineData("Chains", "0", "Samplers:bad:Chains must be at least 1; got 0.")]
    [InlineData("TargetAcceptance", "1.5", "Samplers:bad:TargetAcceptance must lie in (0, 1); got 1.5.")]
    [InlineData("Kernel", "gibbs", "Samplers:bad:Kernel must be one of nuts, hmc, mala, rwm; got gibbs.")]
    public void InvalidOptions_FailAtStart_NamingTheOption(string option, string value, string message)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [$"Samplers:bad:{option}"] = value }).Build();
        var ex = Assert.Throws<OptionsValidationException>(() => Build(s => s.AddInference(configuration)));
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidFlowOptions_FailAtStart_NamingTheOption()
    {
        var ex = Assert.Throws<OptionsValidationException>(() => Build(s => s.AddInference(b => b.AddFlow("bad", o => o.LearningRate = -1))));
        Assert.Contains("Flows:bad:LearningRate must be positive and finite; got -1.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddInference_IsIdempotent()
    {
        var once = new ServiceCollection();
        once.AddInference(b => b.AddSampler("mine", o => o.Chains = 2));
        var twice = new ServiceCollection();
        twice.AddInference(b => b.AddSampler("mine", o => o.Chains = 2));
        twice.AddInference(b => b.AddSampler("mine", o => o.Chains = 2));
        static int Keyed(IServiceCollection s) => s.Count(d => d.IsKeyedService);
        Assert.Equal(Keyed(once), Keyed(twice));
        Assert.Equal(once.Count(d => d.ServiceType == typeof(IValidateOptions<SamplerOptions>)), twice.Count(d => d.ServiceType == typeof(IValidateOptions<SamplerOptions>)));
        using var provider = twice.BuildServiceProvider();
        Assert.Equal(2, provider.GetRequiredKeyedService<IInferenceSampler>("mine").Options.Chains);
    }

    [Fact]
    public void Flows_FitByName_AndTheirWarningsAreLogged()
    {
        var logs = new CapturingLoggerProvider();
        using var provider = Build(s => s.AddInference(b => b.AddFlow("tiny", o => { o.Kind = "MeanField"; o.Iterations = 30; })), logs);
        var fit = provider.GetRequiredKeyedService<IInferenceFlow>("tiny").Fit(EightSchools.NonCentered().Compile());
        Assert.NotEmpty(fit.Warnings);       // 30 steps are far too few: the k̂ verdict says so
        Assert.Equal(fit.Warnings.Count, logs.Entries.Count(e => e.Message.StartsWith("Flow 'tiny':", StringComparison.Ordinal)));
    }

    /// <summary>
    /// Only the DI package references Microsoft.Extensions.*, with one explicit exception: Inference.Distributed, whose
    /// Orleans dependency brings Microsoft.Extensions.* (hosting, options, logging) with it.
    /// </summary>
    [Fact]
    public void OnlyTheExtensionProject_ReferencesMicrosoftExtensions()
    {
        Type[] libraries = [typeof(Tape), typeof(Inference.Samplers.Kernels.Nuts), typeof(Inference.Flows.FlowDistribution), typeof(EightSchools), typeof(Inference.ArviZ.InferenceDataWriter)];
        foreach (var t in libraries)
        {
            Assert.DoesNotContain(t.Assembly.GetReferencedAssemblies(), a => a.Name!.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal));
        }

        Assert.Contains(typeof(IInferenceSampler).Assembly.GetReferencedAssemblies(), a => a.Name == "Microsoft.Extensions.Options");

        // the allowed exception, by name: the distributed runner
        var distributed = typeof(Inference.Distributed.GridRunner).Assembly;
        Assert.Equal("Inference.Distributed", distributed.GetName().Name);
        Assert.Contains(distributed.GetReferencedAssemblies(), a => a.Name!.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal));
    }

    internal sealed class CapturingLoggerProvider : ILoggerProvider
    {
        private readonly List<(LogLevel Level, string Message)> _entries = [];

        public IReadOnlyList<(LogLevel Level, string Message)> Entries
        {
            get
            {
                lock (_entries)
                {
                    return _entries.ToArray();
                }
            }
        }

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose()
        {
        }

        private sealed class Logger(CapturingLoggerProvider owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (owner._entries)
                {
                    owner._entries.Add((logLevel, formatter(state, exception)));
                }
            }
        }
    }
}
