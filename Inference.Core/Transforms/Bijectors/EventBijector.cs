using Inference.Autodiff;

namespace Inference.Transforms.Bijectors;

/// <summary>Shared checks and helpers for bijectors whose event is the last axis.</summary>
public abstract class EventBijector : IBijector
{
    /// <summary>Creates a bijector of <paramref name="inputDimension"/> → <paramref name="outputDimension"/> coordinates.</summary>
    protected EventBijector(int inputDimension, int outputDimension)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputDimension);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputDimension);
        InputDimension = inputDimension;
        OutputDimension = outputDimension;
    }

    /// <inheritdoc/>
    public int InputDimension { get; }

    /// <inheritdoc/>
    public int OutputDimension { get; }

    /// <inheritdoc/>
    public virtual bool HasExactLogDet => true;

    /// <inheritdoc/>
    public virtual bool HasAnalyticInverse => true;

    /// <inheritdoc/>
    public Var Forward(Var x, out Var logAbsDetJacobian)
    {
        CheckEvent(x, InputDimension, nameof(x));
        return ForwardCore(x, out logAbsDetJacobian);
    }

    /// <inheritdoc/>
    public Var Inverse(Var y, out Var logAbsDetJacobian)
    {
        CheckEvent(y, OutputDimension, nameof(y));
        return InverseCore(y, out logAbsDetJacobian);
    }

    /// <summary>Whether <see cref="ForwardScalar"/> is available (elementwise maps of a one-coordinate event).</summary>
    internal virtual bool HasScalarForward => false;

    /// <summary>
    /// The forward map of one scalar coordinate (a rank-0 <paramref name="x"/>) without the event axis, for a model's
    /// scalar parameters; only where <see cref="HasScalarForward"/>.
    /// </summary>
    internal virtual Var ForwardScalar(Var x, out Var logAbsDetJacobian) => throw new NotSupportedException();

    /// <summary>The forward map on a checked input.</summary>
    protected abstract Var ForwardCore(Var x, out Var logAbsDetJacobian);

    /// <summary>The inverse map on a checked input.</summary>
    protected abstract Var InverseCore(Var y, out Var logAbsDetJacobian);

    /// <summary>Sum over the event (last) axis: a scalar for one event, a [batch] vector for a batch.</summary>
    protected static Var EventSum(Var t) => t.Shape.Rank == 1 ? Ops.Sum(t) : Ops.Sum(t, -1);

    private static void CheckEvent(Var v, int size, string name)
    {
        var s = v.Shape;
        if ((s.Rank != 1 && s.Rank != 2) || s[s.Rank - 1] != size)
        {
            throw new ArgumentException($"Expected an event of {size} on the last axis ([{size}] or [batch, {size}]); got shape {s}.", name);
        }
    }
}
