using Inference.Autodiff;

namespace Inference.Transforms.Bijectors;

/// <summary>
/// Onto symmetric positive-definite K × K matrices LLᵀ, where L comes from an inner Cholesky-factor bijector:
/// covariance matrices (inner: Cholesky factors of covariances) or correlation matrices (inner: Cholesky
/// factors of correlations). The log-Jacobian adds that of L ↦ LLᵀ on the free entries of the result:
/// K log 2 + Σₖ (K − k + 1) log Lₖₖ for covariances (lower triangle free), Σₖ (K − k) log Lₖₖ for
/// correlations (strict lower triangle free; k is 1-based).
/// </summary>
public sealed class GramBijector : EventBijector
{
    private readonly EventBijector _inner;
    private readonly bool _correlation;
    private readonly double[] _weights;

    private GramBijector(EventBijector inner, int k, bool correlation)
        : base(inner.InputDimension, k * k)
    {
        _inner = inner;
        _correlation = correlation;
        Side = k;
        _weights = new double[k];
        for (int i = 0; i < k; i++)
        {
            // 1-based row r = i + 1
            _weights[i] = correlation ? k - (i + 1) : k - (i + 1) + 1;
        }
    }

    /// <summary>The matrix side K.</summary>
    public int Side { get; }

    /// <summary>Onto K × K covariance matrices.</summary>
    public static GramBijector Covariance(int k) => new(new CholeskyCovarianceBijector(k), k, correlation: false);

    /// <summary>Onto K × K correlation matrices (K ≥ 2).</summary>
    public static GramBijector Correlation(int k) => new(new CholeskyCorrelationBijector(k), k, correlation: true);

    /// <inheritdoc/>
    protected override Var ForwardCore(Var x, out Var logAbsDetJacobian)
    {
        if (x.Shape.Rank == 2)
        {
            return ByRows(x, forward: true, out logAbsDetJacobian);
        }

        var l = _inner.Forward(x, out var innerLogDet);
        var lm = Ops.Reshape(l, Shape.Matrix(Side, Side));
        var gram = Ops.MatMul(lm, Ops.Transpose(lm));
        logAbsDetJacobian = innerLogDet + GramLogDet(lm);
        return Ops.Reshape(gram, Shape.Vector(Side * Side));
    }

    /// <inheritdoc/>
    protected override Var InverseCore(Var y, out Var logAbsDetJacobian)
    {
        if (y.Shape.Rank == 2)
        {
            return ByRows(y, forward: false, out logAbsDetJacobian);
        }

        var lm = Ops.Cholesky(Ops.Reshape(y, Shape.Matrix(Side, Side)));
        var x = _inner.Inverse(Ops.Reshape(lm, Shape.Vector(Side * Side)), out var innerLogDet);
        logAbsDetJacobian = innerLogDet - GramLogDet(lm);
        return x;
    }

    private Var GramLogDet(Var lm)
    {
        var weighted = Ops.Dot(Ops.Log(Ops.Diagonal(lm)), lm.Tape.Constant(_weights));
        return _correlation ? weighted : weighted + (Side * Math.Log(2));
    }

    /// <summary>A batch is handled one event at a time (the matrix product is per event).</summary>
    private Var ByRows(Var batch, bool forward, out Var logAbsDetJacobian)
    {
        int rows = batch.Shape[0], width = batch.Shape[1];
        var outputs = new Var[rows];
        var logDets = new Var[rows];
        for (int r = 0; r < rows; r++)
        {
            var row = Ops.Reshape(Ops.Slice(batch, r, 1, axis: 0), Shape.Vector(width));
            var y = forward ? ForwardCore(row, out var ld) : InverseCore(row, out ld);
            outputs[r] = Ops.Reshape(y, Shape.Matrix(1, y.Shape.Length));
            logDets[r] = Ops.Reshape(ld, Shape.Vector(1));
        }

        logAbsDetJacobian = Ops.Concat(logDets);
        return Ops.Concat(outputs, axis: 0);
    }
}
