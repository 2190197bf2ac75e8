using Inference.Autodiff;

namespace Inference.Flows.Modules;

/// <summary>A building block with named parameters and sub-modules (TorchSharp's vocabulary, in PascalCase).</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Justification = "TorchSharp's vocabulary (Module, Parameter) is the one .NET users of neural networks know.")]
public abstract class Module
{
    private readonly List<Parameter> _parameters = [];
    private readonly List<(string Name, Module Module)> _children = [];
    private Parameter[]? _flat;

    /// <summary>Registers a parameter.</summary>
    protected Parameter RegisterParameter(string name, Tensor initial)
    {
        var p = new Parameter(name, initial);
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
