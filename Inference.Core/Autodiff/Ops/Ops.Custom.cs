namespace Inference.Autodiff;

/// <summary>The inputs of a custom op: their values and shapes, by position.</summary>
public readonly ref struct CustomOpInputs
{
    private readonly Tape _tape;
    private readonly ReadOnlySpan<int> _ids;

    internal CustomOpInputs(Tape tape, ReadOnlySpan<int> ids)
    {
        _tape = tape;
        _ids = ids;
    }

    /// <summary>Number of inputs.</summary>
    public int Count => _ids.Length;

    /// <summary>The value of input <paramref name="i"/>.</summary>
    public ReadOnlySpan<double> this[int i] => _tape.V(_ids[i]);

    /// <summary>The shape of input <paramref name="i"/>.</summary>
    public Shape ShapeOf(int i) => _tape.Node(_ids[i]).Shape;
}

/// <summary>Where a custom op's vector-Jacobian product adds its input gradients.</summary>
public readonly ref struct CustomOpGradients
{
    private readonly Tape _tape;
    private readonly ReadOnlySpan<int> _ids;

    internal CustomOpGradients(Tape tape, ReadOnlySpan<int> ids)
    {
        _tape = tape;
        _ids = ids;
    }

    /// <summary>Whether input <paramref name="i"/> needs a gradient (when false, <see cref="this[int]"/> is empty).</summary>
    public bool IsRequired(int i) => _tape.NeedsGrad(_ids[i]);

    /// <summary>The gradient buffer of input <paramref name="i"/>: add (do not assign) the contribution.</summary>
    public Span<double> this[int i] => _tape.G(_ids[i]);

    /// <summary>
    /// The gradient buffer of input <paramref name="i"/> (empty when it needs none), and whether this op is the first to
    /// reach it in the backward pass. When <paramref name="overwrite"/> is true the buffer holds stale values and the op
    /// must assign every entry instead of adding, which saves the pass that would clear it; otherwise add as usual. An
    /// op that takes the same variable as two inputs must finish assigning the first before adding the second.
    /// </summary>
    public Span<double> ForWriting(int i, out bool overwrite) => _tape.GFresh(_ids[i], out overwrite);
}

/// <summary>Computes a custom op's output from its inputs.</summary>
public delegate void CustomForward(in CustomOpInputs inputs, Span<double> output);

/// <summary>
/// Adds the vector-Jacobian product outputGrad · ∂output/∂inputᵢ to each required input gradient.
/// </summary>
public delegate void CustomVectorJacobianProduct(in CustomOpInputs inputs, ReadOnlySpan<double> output, ReadOnlySpan<double> outputGrad, in CustomOpGradients inputGrads);

/// <summary>
/// An operation defined by the user: a forward function and its vector-Jacobian product, for example an
/// external forward operator of an inverse problem with an adjoint solver. Create it once and reuse it:
/// recording a cached op allocates nothing.
/// </summary>
public sealed class CustomOp
{
    /// <summary>Creates the op from its forward function and vector-Jacobian product.</summary>
    public CustomOp(string name, CustomForward forward, CustomVectorJacobianProduct vectorJacobianProduct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(forward);
        ArgumentNullException.ThrowIfNull(vectorJacobianProduct);
        Name = name;
        Forward = forward;
        VectorJacobianProduct = vectorJacobianProduct;
    }

    /// <summary>A name for error messages.</summary>
    public string Name { get; }

    /// <summary>The forward function.</summary>
    public CustomForward Forward { get; }

    /// <summary>The vector-Jacobian product.</summary>
    public CustomVectorJacobianProduct VectorJacobianProduct { get; }
}

public static partial class Ops
{
    /// <summary>Records a user-defined op with output shape <paramref name="outputShape"/> on <paramref name="inputs"/>.</summary>
    public static Var Custom(CustomOp op, Shape outputShape, params ReadOnlySpan<Var> inputs)
    {
        ArgumentNullException.ThrowIfNull(op);
        if (inputs.Length == 0)
        {
            throw new ArgumentException($"Custom op '{op.Name}' needs at least one input (to know its tape).", nameof(inputs));
        }

        var tape = TapeOf(inputs[0], nameof(inputs));
        for (int j = 1; j < inputs.Length; j++)
        {
            if (!ReferenceEquals(inputs[j].Tape, tape))
            {
                throw new ArgumentException($"Input {j} of custom op '{op.Name}' is recorded on another tape. {Tape.OtherTapeHint}", nameof(inputs));
            }
        }

        int start = tape.PushInputs(inputs);
        var ids = tape.Inputs(start, inputs.Length);
        int id = tape.Push(CustomOpNode.Instance, outputShape, -1, -1, -1, tape.AnyRequiresGrad(ids));
        ref NodeRecord n = ref tape.Node(id);
        n.I1 = start;
        n.I2 = inputs.Length;
        n.Aux = op;
        op.Forward(new CustomOpInputs(tape, ids), tape.V(id));
        return tape.Wrap(id);
    }

    private sealed class CustomOpNode : TapeOp
    {
        public static readonly CustomOpNode Instance = new();

        public override void Backward(Tape tape, int id, in NodeRecord node)
        {
            var op = (CustomOp)node.Aux!;
            var ids = tape.Inputs(node.I1, node.I2);
            op.VectorJacobianProduct(new CustomOpInputs(tape, ids), tape.V(id), tape.G(id), new CustomOpGradients(tape, ids));
        }
    }
}
