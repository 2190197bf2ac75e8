using Inference.Densities;
using Inference.Modeling;
using Inference.Models;

namespace Inference.Distributed;

/// <summary>
/// The models a silo (or a local runner) can build, by name: a model is code, so each process registers the same
/// names at start and a cell names its model and carries only data. Holds the reference posteriors of
/// <see cref="PosteriorCatalog"/> from the start; <see cref="Add(string, Func{StanData, Model})"/> adds others.
/// </summary>
public sealed class ModelRegistry
{
    private readonly Dictionary<string, Func<StanData, ILogDensity>> _models = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>A registry with the catalog's reference posteriors.</summary>
    public ModelRegistry()
    {
        foreach (string name in PosteriorCatalog.Names)
        {
            string posterior = name;
            Add(posterior, data => PosteriorCatalog.Create(posterior, data));
        }
    }

    /// <summary>The registered names, sorted.</summary>
    public IReadOnlyList<string> Names
    {
        get
        {
            lock (_gate)
            {
                return _models.Keys.Order(StringComparer.Ordinal).ToArray();
            }
        }
    }

    /// <summary>Registers (or replaces) a model built from its Stan data; it is compiled per cell.</summary>
    public ModelRegistry Add(string name, Func<StanData, Model> model)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(model);
        return AddDensity(name, data => model(data).Compile());
    }

    /// <summary>Registers (or replaces) any log-density built from Stan data.</summary>
    public ModelRegistry AddDensity(string name, Func<StanData, ILogDensity> density)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(density);
        lock (_gate)
        {
            _models[name] = density;
        }

        return this;
    }

    /// <summary>True when <paramref name="name"/> is registered.</summary>
    public bool Contains(string name)
    {
        lock (_gate)
        {
            return name is not null && _models.ContainsKey(name);
        }
    }

    /// <summary>Builds model <paramref name="name"/> on <paramref name="data"/> (Stan JSON text).</summary>
    /// <exception cref="KeyNotFoundException">No model has that name (the message lists those that do).</exception>
    /// <exception cref="FormatException">The data is not Stan JSON.</exception>
    public ILogDensity Create(string name, string data)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(data);
        Func<StanData, ILogDensity>? factory;
        lock (_gate)
        {
            if (!_models.TryGetValue(name, out factory))
            {
                throw new KeyNotFoundException($"No model '{name}' is registered here. The models are: {string.Join(", ", _models.Keys.Order(StringComparer.Ordinal))}.");
            }
        }

        return factory(StanData.Parse(string.IsNullOrWhiteSpace(data) ? "{}" : data));
    }
}
