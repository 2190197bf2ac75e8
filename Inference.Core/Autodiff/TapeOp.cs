namespace Inference.Autodiff;

/// <summary>
/// A differentiable operation recorded on a <see cref="Tape"/>. Implementations are stateless
/// singletons; everything a call needs is in its <see cref="NodeRecord"/>.
/// </summary>
/// <remarks>
/// An abstract class rather than an interface: the backward pass calls every node's op through one call site, which
/// sees dozens of op types; a virtual call there is a table load, where an interface call went through the runtime's
/// resolve stub (3% of a small model's NUTS time in perf).
/// </remarks>
internal abstract class TapeOp
{
    protected TapeOp() => Replays = this is IReplayable;

    /// <summary>
    /// Whether the op can recompute a recorded node from its inputs' current values (<see cref="Replay"/>): a tape whose
    /// every op replays can be evaluated again at new leaf values without running the code that recorded it.
    /// </summary>
    public readonly bool Replays;

    /// <summary>Adds the vector-Jacobian product of node <paramref name="id"/> to its inputs' gradients.</summary>
    public abstract void Backward(Tape tape, int id, in NodeRecord node);

    /// <summary>
    /// Recomputes node <paramref name="id"/>'s value from its inputs' current values, with the shapes and attributes it
    /// was recorded with: the same arithmetic as recording it, so the same bits. Only ops marked <see cref="IReplayable"/>
    /// override it.
    /// </summary>
    public virtual void Replay(Tape tape, int id, ref NodeRecord node) =>
        throw new InvalidOperationException($"{Tape.OpName(this)} cannot be replayed.");
}

/// <summary>
/// Marks an op that overrides <see cref="TapeOp.Replay"/>: its value is a function of its inputs' values and its
/// recorded attributes only (no state outside the node), so a replayed tape gives what recording it again would.
/// </summary>
internal interface IReplayable
{
}

/// <summary>One recorded operation: inputs are node ids (−1 when absent), plus scalar and integer attributes.</summary>
internal struct NodeRecord
{
    public TapeOp? Op;
    public Shape Shape;
    public int In0;
    public int In1;
    public int In2;
    public double S0;
    public double S1;
    public double S2;
    public double S3;
    public int I0;
    public int I1;
    public int I2;
    public object? Aux;
    public bool RequiresGrad;

    /// <summary>The value carries a leading batch axis (one row per point of a batched model evaluation).</summary>
    public bool Batched;
}

/// <summary>
/// Marks an op whose node may take batched inputs (values with a leading axis of independent points, see
/// <see cref="Tape.BatchedVariable"/>): elementwise ops, and ops whose public method translates its axes for the batch.
/// Any other op given a batched input raises <see cref="BatchNotSupportedException"/>, so that a batched evaluation
/// never gives a silently wrong result: the caller falls back to one point at a time.
/// </summary>
internal interface IBatchAware
{
}

/// <summary>An op or a part of a model body that cannot evaluate a batch of points in one pass.</summary>
public sealed class BatchNotSupportedException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public BatchNotSupportedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public BatchNotSupportedException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public BatchNotSupportedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
