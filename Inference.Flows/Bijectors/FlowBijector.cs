using Inference.Autodiff;
using Inference.Flows.Modules;
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
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        Dimension = dimension;
    }

    /// <summary>D.</summary>
    public int Dimension { get; }

    /// <inheritdoc/>
    public int InputDimension => Dimension;

    /// <inheritdoc/>
    public int OutputDimension => Dimension;

    /// <inheritdoc/>
    public virtual bool HasExactLogDet => true;

    /// <inheritdoc/>
    public virtual bool HasAnalyticInverse => true;

    /// <inheritdoc/>
    public Var Forward(Var x, out Var logAbsDetJacobian)
    {
        CheckEvent(x, nameof(x));
        return ForwardCore(x, out logAbsDetJacobian);
    }

    /// <inheritdoc/>
    public Var Inverse(Var y, out Var logAbsDetJacobian)
    {
        CheckEvent(y, nameof(y));
        return InverseCore(y, out logAbsDetJacobian);
    }

    /// <summary>The forward map on a checked input.</summary>
    protected abstract Var ForwardCore(Var x, out Var logAbsDetJacobian);

    /// <summary>The inverse map on a checked input.</summary>
    protected abstract Var InverseCore(Var y, out Var logAbsDetJacobian);

    /// <summary>Sum over the event axis: a scalar for [D], a [batch] vector for [batch, D].</summary>
    protected static Var EventSum(Var t) => t.Shape.Rank == 1 ? Ops.Sum(t) : Ops.Sum(t, -1);

    /// <summary>A per-event constant c as a scalar (single event) or a [batch] vector.</summary>
    protected static Var PerEvent(Var like, Var scalar) => like.Shape.Rank == 1 ? scalar : ZeroPerEvent(like) + scalar;

    /// <summary>A zero log-determinant per event: a constant scalar (single event) or [batch] vector, with no work over the events.</summary>
    protected static Var ZeroPerEvent(Var like) => like.Tape.Zeros(like.Shape.Rank == 1 ? Shape.Scalar : Shape.Vector(like.Shape[0]));

    private void CheckEvent(Var v, string name)
    {
        var s = v.Shape;
        if ((s.Rank != 1 && s.Rank != 2) || s[s.Rank - 1] != Dimension)
        {
            throw new ArgumentException($"Expected [{Dimension}] or [batch, {Dimension}]; got shape {s}.", name);
        }
    }
}
