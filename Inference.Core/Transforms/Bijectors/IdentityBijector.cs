using Inference.Autodiff;

namespace Inference.Transforms.Bijectors;

/// <summary>The identity on ℝⁿ (unconstrained parameters); log|J| = 0.</summary>
public sealed class IdentityBijector(int dimension) : EventBijector(dimension, dimension)
{
    /// <inheritdoc/>
    protected override Var ForwardCore(Var x, out Var logAbsDetJacobian)
    {
        logAbsDetJacobian = EventSum(x) * 0.0;
        return x;
    }

    /// <inheritdoc/>
    protected override Var InverseCore(Var y, out Var logAbsDetJacobian)
    {
        logAbsDetJacobian = EventSum(y) * 0.0;
        return y;
    }
}
