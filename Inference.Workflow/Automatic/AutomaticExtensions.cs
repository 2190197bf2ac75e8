using Inference.Densities;
using Inference.Workflow.Automatic;

namespace Inference;

/// <summary>The automatic call as an extension: <c>model.SampleAutomatically()</c>.</summary>
public static class AutomaticExtensions
{
    /// <summary>Draws from <paramref name="target"/> with the automatic pipeline (<see cref="Automatic.Run"/>).</summary>
    public static AutomaticResult SampleAutomatically(this ILogDensity target, AutomaticOptions? options = null, IProgress<AutomaticProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Automatic.Run(target, options, progress, cancellationToken);
}
