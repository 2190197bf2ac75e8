using Inference.Autodiff;

namespace Inference.Transforms.Bijectors;

/// <summary>y = a + eˣ onto (a, ∞); log|J| = Σ x.</summary>
public sealed class LowerBoundBijector : EventBijector
{
    /// <summary>Creates the transform onto (<paramref name="lower"/>, ∞).</summary>
    public LowerBoundBijector(int dimension, double lower)
        : base(dimension, dimension)
    {
        if (!double.IsFinite(lower))
        {
            throw new ArgumentOutOfRangeException(nameof(lower), lower, "The lower bound must be finite.");
        }

        Lower = lower;
    }

    /// <summary>The bound a.</summary>
    public double Lower { get; }

    /// <inheritdoc/>
    protected override Var ForwardCore(Var x, out Var logAbsDetJacobian)
    {
        logAbsDetJacobian = EventSum(x);
        // a bound at 0 (scales): eˣ + 0 is eˣ, one node fewer
        return Lower == 0 ? Ops.Exp(x) : Ops.Exp(x) + Lower;
    }

    /// <inheritdoc/>
    /// <remarks>log |J| is x itself (the sum over a one-coordinate event), so neither a sum nor a reshape node.</remarks>
    internal override Var ForwardScalar(Var x, out Var logAbsDetJacobian)
    {
        logAbsDetJacobian = x;
        return Lower == 0 ? Ops.Exp(x) : Ops.Exp(x) + Lower;
    }

    /// <inheritdoc/>
    internal override bool HasScalarForward => true;

    /// <inheritdoc/>
    protected override Var InverseCore(Var y, out Var logAbsDetJacobian)
    {
        var x = Ops.Log(y - Lower);
        logAbsDetJacobian = -EventSum(x);
        return x;
    }
}
