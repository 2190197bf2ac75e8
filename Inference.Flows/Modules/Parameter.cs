using Inference.Autodiff;

namespace Inference.Flows.Modules;

/// <summary>
/// A trainable tensor with its gradient. On a tape it appears as a variable that reads <see cref="Value"/>
/// in place; <see cref="Module.CollectGradients"/> adds the tape's gradient into <see cref="Grad"/>.
/// </summary>
public sealed class Parameter
{
    private Var _current;
    private Tape? _tape;
    private int _generation = -1;

    /// <summary>Creates a parameter holding <paramref name="value"/>.</summary>
    public Parameter(string name, Tensor value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(value);
        Name = name;
        Value = value;
        Grad = new double[value.Length];
    }

    /// <summary>The parameter's name within its module.</summary>
    public string Name { get; }

    /// <summary>The current value (optimizers update it in place).</summary>
    public Tensor Value { get; }

    /// <summary>The accumulated gradient.</summary>
    public double[] Grad { get; }

    /// <summary>The parameter as a variable on <paramref name="tape"/> (created once per tape generation).</summary>
    public Var On(Tape tape)
    {
        ArgumentNullException.ThrowIfNull(tape);
        if (!ReferenceEquals(_tape, tape) || _generation != tape.Generation)
        {
            _current = tape.IsRecording ? tape.Variable(Value) : tape.Constant(Value);
            _tape = tape;
            _generation = tape.Generation;
        }

        return _current;
    }

    /// <summary>Adds the gradient of the last backward pass on <paramref name="tape"/> into <see cref="Grad"/>.</summary>
    internal void Collect(Tape tape)
    {
        if (ReferenceEquals(_tape, tape) && _generation == tape.Generation && _current.RequiresGrad)
        {
            System.Numerics.Tensors.TensorPrimitives.Add(Grad, _current.Grad, Grad);
        }
    }
}
