using Inference.Autodiff;

namespace Inference.Transforms.Bijectors;

/// <summary>
/// Onto unit vectors, as Stan does it: y = x/‖x‖ with the term −½‖x‖² in place of a log-Jacobian, which
/// makes the radial direction a proper standard-normal factor so the direction is uniform on the sphere
/// under a flat prior. This map is not one-to-one: <see cref="EventBijector.Inverse"/> returns the point on the sphere
/// itself (a right inverse: Forward(Inverse(y)) = y), with the term +½‖y‖² = ½.
/// </summary>
public sealed class UnitVectorBijector : EventBijector
{
    /// <summary>Creates the transform onto unit vectors of <paramref name="dimension"/> (≥ 2) entries.</summary>
    public UnitVectorBijector(int dimension)
        : base(CheckDimension(dimension), dimension)
    {
    }

    private static int CheckDimension(int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 2);
        return dimension;
    }

    /// <inheritdoc/>
    protected override Var ForwardCore(Var x, out Var logAbsDetJacobian)
    {
        var squares = EventSum(Ops.Square(x));
        logAbsDetJacobian = -0.5 * squares;
        var norm = Ops.Sqrt(squares);
        return x.Shape.Rank == 1 ? x / norm : x / Ops.Reshape(norm, Shape.Matrix(x.Shape[0], 1));
    }

    /// <inheritdoc/>
    protected override Var InverseCore(Var y, out Var logAbsDetJacobian)
    {
        logAbsDetJacobian = 0.5 * EventSum(Ops.Square(y));
        return y;
    }
}
