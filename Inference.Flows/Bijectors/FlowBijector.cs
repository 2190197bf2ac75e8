using Inference.Autodiff;
using Inference.Flows.Modules;
using Inference.Flows.Serialization;
using Inference.Transforms;

namespace Inference.Flows.Bijectors;

/// <summary>
/// A trainable bijector on ℝᴰ: a <see cref="Module"/> that implements Core's <see cref="IBijector"/>, so
/// samplers (NeuTra) can use a fitted flow without referencing this assembly. Inputs are [D] or [batch, D];
/// the log-Jacobian is then a scalar or a [batch] vector.
/// </summary>
public abstract class FlowBijector : Module, IBijector
{
    /// <summary>Creates a flow layer on ℝ^<paramref name="dimension"/>.</summary>
    protected FlowBijector(int dimension)
        : this(dimension, 0)
    {
    }

    /// <summary>
    /// Creates a flow layer on ℝ^<paramref name="dimension"/> whose conditioners read a context vector of
    /// <paramref name="contextDimension"/> values (0: an unconditional layer).
    /// </summary>
    protected FlowBijector(int dimension, int contextDimension)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        ArgumentOutOfRangeException.ThrowIfNegative(contextDimension);
        Dimension = dimension;
        ContextDimension = contextDimension;
    }

    /// <summary>D.</summary>
    public int Dimension { get; }

    /// <summary>
    /// The width of the context y a conditional flow reads (q(x | y)); 0 for an unconditional one. A conditional flow
    /// is called with <see cref="Forward(Var, Var, out Var)"/> and <see cref="Inverse(Var, Var, out Var)"/>.
    /// </summary>
    public int ContextDimension { get; }

    /// <summary>Whether the layer reads a context.</summary>
    public bool IsConditional => ContextDimension > 0;

    /// <inheritdoc/>
    public int InputDimension => Dimension;

    /// <inheritdoc/>
    public int OutputDimension => Dimension;

    /// <inheritdoc/>
    public virtual bool HasExactLogDet => true;

    /// <inheritdoc/>
    public virtual bool HasAnalyticInverse => true;

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The flow is conditional (it needs a context).</exception>
    public Var Forward(Var x, out Var logAbsDetJacobian)
    {
        CheckEvent(x, nameof(x));
        RefuseWithoutContext();
        return ForwardCore(x, out logAbsDetJacobian);
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The flow is conditional (it needs a context).</exception>
    public Var Inverse(Var y, out Var logAbsDetJacobian)
    {
        CheckEvent(y, nameof(y));
        RefuseWithoutContext();
        return InverseCore(y, out logAbsDetJacobian);
    }

    /// <summary>
    /// The forward map given the context y: [<see cref="ContextDimension"/>] (shared by every row) or
    /// [batch, <see cref="ContextDimension"/>] (one per row). An unconditional layer ignores the context.
    /// </summary>
    public Var Forward(Var x, Var context, out Var logAbsDetJacobian)
    {
        CheckEvent(x, nameof(x));
        CheckContext(context, x);
        return ForwardCore(x, context, out logAbsDetJacobian);
    }

    /// <summary>The inverse map given the context (see <see cref="Forward(Var, Var, out Var)"/>).</summary>
    public Var Inverse(Var y, Var context, out Var logAbsDetJacobian)
    {
        CheckEvent(y, nameof(y));
        CheckContext(context, y);
        return InverseCore(y, context, out logAbsDetJacobian);
    }

    /// <summary>
    /// Writes the configuration a reader needs to rebuild this layer (sizes, options, nested layers); the serializer
    /// writes the type, the dimension, the parameters and the buffers. A layer with nothing beyond its dimension writes nothing.
    /// </summary>
    protected internal virtual void WriteConfiguration(FlowLayerWriter writer)
    {
    }

    /// <summary>
    /// A regularization term this layer adds to a training loss (default: none, a default <see cref="Var"/>); the proximal
    /// residual block's keeps its weights near the Stiefel manifold. <see cref="FlowChain"/> sums its layers'.
    /// </summary>
    public virtual Var Penalty(Tape tape) => default;

    /// <summary>The forward map on a checked input.</summary>
    protected abstract Var ForwardCore(Var x, out Var logAbsDetJacobian);

    /// <summary>The inverse map on a checked input.</summary>
    protected abstract Var InverseCore(Var y, out Var logAbsDetJacobian);

    /// <summary>The forward map given a checked context (default: the unconditional map, the context ignored).</summary>
    protected virtual Var ForwardCore(Var x, Var context, out Var logAbsDetJacobian) => ForwardCore(x, out logAbsDetJacobian);

    /// <summary>The inverse map given a checked context (default: the unconditional map, the context ignored).</summary>
    protected virtual Var InverseCore(Var y, Var context, out Var logAbsDetJacobian) => InverseCore(y, out logAbsDetJacobian);

    /// <summary>The context as one row per event of <paramref name="batch"/> [rows, D]: a shared [c] context repeated, a [rows, c] one as it is.</summary>
    protected static Var ContextRows(Var context, Var batch)
    {
        if (context.Shape.Rank == 2)
        {
            return context;
        }

        int rows = batch.Shape.Rank == 1 ? 1 : batch.Shape[0];
        return context.Tape.Zeros(Shape.Matrix(rows, context.Shape[0])) + context;
    }

    /// <summary>Sum over the event axis: a scalar for [D], a [batch] vector for [batch, D].</summary>
    protected static Var EventSum(Var t) => t.Shape.Rank == 1 ? Ops.Sum(t) : Ops.Sum(t, -1);

    /// <summary>A per-event constant c as a scalar (single event) or a [batch] vector.</summary>
    protected static Var PerEvent(Var like, Var scalar) => like.Shape.Rank == 1 ? scalar : ZeroPerEvent(like) + scalar;

    /// <summary>A zero log-determinant per event: a constant scalar (single event) or [batch] vector, with no work over the events.</summary>
    protected static Var ZeroPerEvent(Var like) => like.Tape.Zeros(like.Shape.Rank == 1 ? Shape.Scalar : Shape.Vector(like.Shape[0]));

    private void RefuseWithoutContext()
    {
        if (IsConditional)
        {
            throw new InvalidOperationException($"This flow is conditional: pass its context ({ContextDimension} values) to Forward(x, context, out logDet) or Inverse(y, context, out logDet).");
        }
    }

    private void CheckContext(Var context, Var x)
    {
        if (!IsConditional)
        {
            return;
        }

        if (context.Tape is null)
        {
            throw new ArgumentException($"This flow is conditional: it needs a context of {ContextDimension} values.", nameof(context));
        }

        if (!ReferenceEquals(context.Tape, x.Tape))
        {
            throw new ArgumentException("The context is recorded on another tape than the input.", nameof(context));
        }

        var s = context.Shape;
        bool shared = s.Rank == 1 && s[0] == ContextDimension;
        bool perRow = s.Rank == 2 && x.Shape.Rank == 2 && s[0] == x.Shape[0] && s[1] == ContextDimension;
        if (!shared && !perRow)
        {
            throw new ArgumentException($"Expected a context [{ContextDimension}] or [{(x.Shape.Rank == 2 ? x.Shape[0] : 1)}, {ContextDimension}]; got shape {s}.", nameof(context));
        }
    }

    private void CheckEvent(Var v, string name)
    {
        var s = v.Shape;
        if ((s.Rank != 1 && s.Rank != 2) || s[s.Rank - 1] != Dimension)
        {
            throw new ArgumentException($"Expected [{Dimension}] or [batch, {Dimension}]; got shape {s}.", name);
        }
    }
}
