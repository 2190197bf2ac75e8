namespace Inference.Samplers.Kernels;

/// <summary>
/// The per-chain kernels by registry name, with their default options: "nuts", "hmc", "mala", "rwm". The names are
/// those recorded in <see cref="Results.PosteriorDraws.Sampler"/> and written into Stan-CSV headers.
/// </summary>
public static class KernelCatalog
{
    private static readonly Dictionary<string, Func<IMcmcKernel>> Factories = new(StringComparer.Ordinal)
    {
        ["nuts"] = () => new Nuts(),
        ["hmc"] = () => new StaticHmc(),
        ["mala"] = () => new Mala(),
        ["rwm"] = () => new RandomWalkMetropolis(),
    };

    /// <summary>The registry names.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Factories.Keys];

    /// <summary>A new kernel registered as <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No kernel has that name (the message lists the names).</exception>
    public static IMcmcKernel Create(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Factories.TryGetValue(name, out var factory)
            ? factory()
            : throw new ArgumentException($"No kernel is registered as '{name}'; the kernels are {string.Join(", ", Names)}.", nameof(name));
    }
}
