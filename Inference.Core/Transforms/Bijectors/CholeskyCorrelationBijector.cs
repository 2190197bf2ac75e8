using Inference.Autodiff;

namespace Inference.Transforms.Bijectors;

/// <summary>
/// Onto Cholesky factors of K × K correlation matrices (flattened row-major), from K(K − 1)/2 free values
/// (row by row below the diagonal), as Stan does it: canonical partial correlations z = tanh(x), then
/// Lᵢⱼ = zᵢⱼ·√(1 − Σ_{k&lt;j} Lᵢₖ²) and Lᵢᵢ = √(1 − Σ_{k&lt;i} Lᵢₖ²). The log-Jacobian is that of the map onto
/// the entries below the diagonal: Σ log(1 − zᵢⱼ²) + ½ Σ log(1 − Σ_{k&lt;j} Lᵢₖ²).
/// </summary>
public sealed class CholeskyCorrelationBijector : EventBijector
{
    private readonly TriangularIndex _index;

    /// <summary>Creates the transform for K × K factors (K ≥ 2).</summary>
    public CholeskyCorrelationBijector(int k)
        : base(CheckSide(k) * (k - 1) / 2, k * k)
    {
        _index = new TriangularIndex(k);
    }

    /// <summary>The matrix side K.</summary>
    public int Side => _index.K;

    private static int CheckSide(int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 2);
        return k;
    }

    /// <inheritdoc/>
    protected override Var ForwardCore(Var x, out Var logAbsDetJacobian)
    {
        var t = x.Tape;
        int k = Side;
        var z = Ops.Tanh(x);
        var square = AsMatrices(Ops.Scatter(z, _index.StrictLower, k * k));
        var logRemaining = Ops.Log1p(-Ops.Square(square));           // log(1 − zᵢⱼ²), 0 off the strict triangle
        var before = Ops.CumSum(logRemaining) - logRemaining;         // Σ_{k<j} log(1 − zᵢₖ²)
        var w = Ops.Exp(0.5 * before);                                // √(1 − Σ_{k<j} Lᵢₖ²)
        var l = (square * w) + (t.Constant(_index.Identity, Shape.Matrix(k, k)) * w);
        var perEntry = Flat(logRemaining + (0.5 * before), x);
        logAbsDetJacobian = EventSum(Ops.Gather(perEntry, _index.StrictLower));
        return Flat(l, x);
    }

    /// <inheritdoc/>
    protected override Var InverseCore(Var y, out Var logAbsDetJacobian)
    {
        int k = Side;
        var strict = Ops.Gather(y, _index.StrictLower);
        var below = AsMatrices(Ops.Scatter(strict, _index.StrictLower, k * k));
        var sq = Ops.Square(below);
        var before = Ops.CumSum(sq) - sq;                             // Σ_{k<j} Lᵢₖ²
        var remaining = Ops.Log1p(-before);
        var zMatrix = below / Ops.Exp(0.5 * remaining);
        var z = Ops.Gather(Flat(zMatrix, y), _index.StrictLower);
        var rem = Ops.Gather(Flat(remaining, y), _index.StrictLower);
        var log1mz2 = Ops.Log1p(-Ops.Square(z));
        logAbsDetJacobian = -EventSum(log1mz2 + (0.5 * rem));
        return 0.5 * (Ops.Log1p(z) - Ops.Log1p(-z));
    }

    private Var AsMatrices(Var flat) => flat.Shape.Rank == 1
        ? Ops.Reshape(flat, Shape.Matrix(Side, Side))
        : Ops.Reshape(flat, Shape.Of(flat.Shape[0], Side, Side));

    private static Var Flat(Var m, Var like) => like.Shape.Rank == 1
        ? Ops.Reshape(m, Shape.Vector(m.Shape.Length))
        : Ops.Reshape(m, Shape.Matrix(like.Shape[0], m.Shape.Length / like.Shape[0]));
}
