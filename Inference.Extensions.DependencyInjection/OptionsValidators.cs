using System.Globalization;
using Microsoft.Extensions.Options;

namespace Inference.Extensions.DependencyInjection;

/// <summary>Checks a named sampler's options at start; every failure names the option (Samplers:name:Option).</summary>
internal sealed class SamplerOptionsValidator : IValidateOptions<SamplerOptions>
{
    public ValidateOptionsResult Validate(string? name, SamplerOptions options)
    {
        var failures = new List<string>();
        string at = $"Samplers:{name}";
        void Require(bool ok, string option, string rule, object? value)
        {
            if (!ok)
            {
                failures.Add(string.Create(CultureInfo.InvariantCulture, $"{at}:{option} {rule}; got {value ?? "null"}."));
            }
        }

        Require(SamplerOptions.Kernels.Contains(options.Kernel), nameof(options.Kernel), $"must be one of {string.Join(", ", SamplerOptions.Kernels)}", options.Kernel);
        Require(options.Metric is "diagonal" or "dense" or "unit", nameof(options.Metric), "must be diagonal, dense or unit", options.Metric);
        Require(options.Chains >= 1, nameof(options.Chains), "must be at least 1", options.Chains);
        Require(options.Warmup >= 0, nameof(options.Warmup), "must not be negative", options.Warmup);
        Require(options.Draws >= 1, nameof(options.Draws), "must be at least 1", options.Draws);
        Require(options.Thin >= 1, nameof(options.Thin), "must be at least 1", options.Thin);
        Require(options.TargetAcceptance is null or (> 0 and < 1), nameof(options.TargetAcceptance), "must lie in (0, 1)", options.TargetAcceptance);
        Require(options.MaxTreeDepth is >= 1 and <= 30, nameof(options.MaxTreeDepth), "must be in 1 … 30", options.MaxTreeDepth);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>Checks a named flow's options at start; every failure names the option (Flows:name:Option).</summary>
internal sealed class FlowOptionsValidator : IValidateOptions<FlowOptions>
{
    public ValidateOptionsResult Validate(string? name, FlowOptions options)
    {
        var failures = new List<string>();
        if (!Enum.TryParse<Inference.FlowKind>(options.Kind, ignoreCase: true, out _))
        {
            failures.Add($"Flows:{name}:Kind must be one of {string.Join(", ", Enum.GetNames<Inference.FlowKind>())}; got {options.Kind}.");
        }

        if (options.Iterations < 1)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"Flows:{name}:Iterations must be at least 1; got {options.Iterations}."));
        }

        if (!(options.LearningRate > 0) || double.IsInfinity(options.LearningRate))
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"Flows:{name}:LearningRate must be positive and finite; got {options.LearningRate}."));
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
