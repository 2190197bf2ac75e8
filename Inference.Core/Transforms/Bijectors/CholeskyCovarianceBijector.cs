using Inference.Autodiff;

namespace Inference.Transforms.Bijectors;

/// <summary>
/// Onto lower-triangular K × K matrices with a positive diagonal (Cholesky factors of covariance matrices,
/// flattened row-major) from K(K + 1)/2 free values (row by row over the lower triangle): the diagonal is
/// exp of its free value, the rest is copied. log|J| = Σ of the diagonal's free values.
/// </summary>
public sealed class CholeskyCovarianceBijector : EventBijector
{
    private readonly TriangularIndex _index;

    /// <summary>Creates the transform for K × K factors.</summary>
    public CholeskyCovarianceBijector(int k)
        : base(CheckSide(k) * (k + 1) / 2, k * k)
    {
        _index = new TriangularIndex(k);
    }

    /// <summary>The matrix side K.</summary>
    public int Side => _index.K;

    internal TriangularIndex Index => _index;

    private static int CheckSide(int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        return k;
    }

    /// <inheritdoc/>
    protected override Var ForwardCore(Var x, out Var logAbsDetJacobian)
    {
        int kk = Side * Side;
        var diagonalFree = Ops.Gather(x, _index.DiagonalInLower);
        var diagonal = Ops.Scatter(Ops.Exp(diagonalFree), _index.Diagonal, kk);
        logAbsDetJacobian = EventSum(diagonalFree);
        if (Side == 1)
        {
            return diagonal;
        }

        return diagonal + Ops.Scatter(Ops.Gather(x, _index.OffDiagonalInLower), _index.OffDiagonal, kk);
    }

    /// <inheritdoc/>
    protected override Var InverseCore(Var y, out Var logAbsDetJacobian)
    {
        int m = InputDimension;
        var logDiagonal = Ops.Log(Ops.Gather(y, _index.Diagonal));
        logAbsDetJacobian = -EventSum(logDiagonal);
        var x = Ops.Scatter(logDiagonal, _index.DiagonalInLower, m);
        return Side == 1 ? x : x + Ops.Scatter(Ops.Gather(y, _index.OffDiagonal), _index.OffDiagonalInLower, m);
    }
}
