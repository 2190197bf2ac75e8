using Inference.Autodiff;

namespace Inference.Flows.Modules;

/// <summary>
/// A trainable tensor with its gradient. On a tape it appears as a variable that reads <see cref="Value"/>
/// in place; <see cref="Module.CollectGradients"/> adds the tape's gradient into <see cref="Grad"/>.
/// </summary>
public sealed class Parameter
{
    /// <summary>Creates a parameter holding <paramref name="value"/>.</summary>
    public Parameter(string name, Tensor value)
        : this(name, value, transposedInVersion1: false)
    {
    }

    internal Parameter(string name, Tensor value, bool transposedInVersion1)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(value);
        Name = name;
        Value = value;
        Grad = new double[value.Length];
        TransposedInVersion1 = transposedInVersion1;
    }

    /// <summary>The parameter's name within its module.</summary>
    public string Name { get; }

    /// <summary>The current value (optimizers update it in place).</summary>
    public Tensor Value { get; }

    /// <summary>The accumulated gradient.</summary>
    public double[] Grad { get; }

    /// <summary>
    /// Whether version-1 flow files stored this [out, in] weight as [in, out] (the layout before the weights followed
    /// TorchSharp's); the loader transposes such a parameter when it reads a version-1 file.
    /// </summary>
    internal bool TransposedInVersion1 { get; }

    /// <summary>
    /// The parameter as a variable on <paramref name="tape"/>, created once per tape generation. The binding lives
    /// on the tape, so one parameter can be used by tapes on several threads at once (parallel chains).
    /// </summary>
    public Var On(Tape tape)
    {
        ArgumentNullException.ThrowIfNull(tape);
        return tape.Bind(this, Value);
    }

    /// <summary>
    /// Adds the gradient of the last backward pass on <paramref name="tape"/> into <see cref="Grad"/> (or, with
    /// <paramref name="overwrite"/>, copies it there); returns false, leaving <see cref="Grad"/> alone, when the
    /// parameter has no gradient on that tape.
    /// </summary>
    internal bool Collect(Tape tape, bool overwrite = false)
    {
        if (!tape.TryGetBinding(this, out var v) || !v.RequiresGrad)
        {
            return false;
        }

        if (overwrite)
        {
            v.Grad.CopyTo(Grad);
        }
        else
        {
            System.Numerics.Tensors.TensorPrimitives.Add(Grad, v.Grad, Grad);
        }

        return true;
    }
}
