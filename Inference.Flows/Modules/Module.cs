using Inference.Autodiff;

namespace Inference.Flows.Modules;

/// <summary>A building block with named parameters and sub-modules (TorchSharp's vocabulary, in PascalCase).</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Justification = "TorchSharp's vocabulary (Module, Parameter) is the one .NET users of neural networks know.")]
public abstract class Module
{
    private readonly List<Parameter> _parameters = [];
    private readonly List<(string Name, Module Module)> _children = [];
    private readonly List<(string Name, Tensor Buffer)> _buffers = [];
    private Parameter[]? _flat;

    /// <summary>Registers a parameter.</summary>
    protected Parameter RegisterParameter(string name, Tensor initial) => RegisterParameter(new Parameter(name, initial));

    /// <summary>Registers a parameter made by the caller.</summary>
    private protected Parameter RegisterParameter(Parameter p)
    {
        _parameters.Add(p);
        _flat = null;
        return p;
    }

    /// <summary>Registers a sub-module.</summary>
    protected T RegisterModule<T>(string name, T module)
        where T : Module
    {
        ArgumentNullException.ThrowIfNull(module);
        _children.Add((name, module));
        _flat = null;
        return module;
    }

    /// <summary>
    /// Registers a buffer: state that is saved and loaded with the module but is not trained (power-iteration vectors
    /// of a spectral normalization, for example). TorchSharp's <c>register_buffer</c>.
    /// </summary>
    protected Tensor RegisterBuffer(string name, Tensor initial)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(initial);
        _buffers.Add((name, initial));
        return initial;
    }

    /// <summary>The parameters this module registered itself (not its sub-modules').</summary>
    internal IReadOnlyList<Parameter> DirectParameters => _parameters;

    /// <summary>The buffers this module registered itself (not its sub-modules').</summary>
    internal IReadOnlyList<(string Name, Tensor Buffer)> DirectBuffers => _buffers;

    /// <summary>The direct sub-modules with their names, in registration order.</summary>
    public IEnumerable<(string Name, Module Module)> NamedChildren() => _children;

    /// <summary>All buffers with dotted path names, this module's first, then the sub-modules'.</summary>
    public IEnumerable<(string Name, Tensor Buffer)> NamedBuffers()
    {
        foreach (var b in _buffers)
        {
            yield return b;
        }

        foreach (var (name, child) in _children)
        {
            foreach (var (n, b) in child.NamedBuffers())
            {
                yield return ($"{name}.{n}", b);
            }
        }
    }

    /// <summary>All parameters, this module's first, then the sub-modules' in registration order.</summary>
    public IReadOnlyList<Parameter> Parameters() => _flat ??= NamedParameters().Select(p => p.Parameter).ToArray();

    /// <summary>All parameters with dotted path names ("layers.0.weight").</summary>
    public IEnumerable<(string Name, Parameter Parameter)> NamedParameters()
    {
        foreach (var p in _parameters)
        {
            yield return (p.Name, p);
        }

        foreach (var (name, child) in _children)
        {
            foreach (var (n, p) in child.NamedParameters())
            {
                yield return ($"{name}.{n}", p);
            }
        }
    }

    /// <summary>Number of trainable values.</summary>
    public int ParameterCount => Parameters().Sum(p => p.Value.Length);

    /// <summary>Called by the flow serializer once this module's parameters and buffers hold the values read from a file.</summary>
    protected internal virtual void OnLoaded()
    {
    }

    /// <summary>Sets every gradient to zero.</summary>
    public void ZeroGrad()
    {
        var all = Parameters();
        for (int i = 0; i < all.Count; i++)
        {
            Array.Clear(all[i].Grad);
        }
    }

    /// <summary>Adds the gradients of the last backward pass on <paramref name="tape"/> into the parameters' gradients.</summary>
    public void CollectGradients(Tape tape)
    {
        var all = Parameters();
        for (int i = 0; i < all.Count; i++)
        {
            all[i].Collect(tape);
        }
    }
}
