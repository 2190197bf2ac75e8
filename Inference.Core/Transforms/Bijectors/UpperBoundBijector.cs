using Inference.Autodiff;

namespace Inference.Transforms.Bijectors;

/// <summary>y = b − eˣ onto (−∞, b); log|J| = Σ x.</summary>
public sealed class UpperBoundBijector : EventBijector
{
    /// <summary>Creates the transform onto (−∞, <paramref name="upper"/>).</summary>
    public UpperBoundBijector(int dimension, double upper)
        : base(dimension, dimension)
    {
        if (!double.IsFinite(upper))
        {
            throw new ArgumentOutOfRangeException(nameof(upper), upper, "The upper bound must be finite.");
        }

        Upper = upper;
    }

    /// <summary>The bound b.</summary>
    public double Upper { get; }

    /// <inheritdoc/>
    protected override Var ForwardCore(Var x, out Var logAbsDetJacobian)
    {
        logAbsDetJacobian = EventSum(x);
        return Upper - Ops.Exp(x);
    }

    /// <inheritdoc/>
    protected override Var InverseCore(Var y, out Var logAbsDetJacobian)
    {
        var x = Ops.Log(Upper - y);
        logAbsDetJacobian = -EventSum(x);
        return x;
    }
}
