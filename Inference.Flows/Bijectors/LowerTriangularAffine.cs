using Inference.Autodiff;
using Inference.Flows.Serialization;

namespace Inference.Flows.Bijectors;

/// <summary>
/// y = μ + Lx with L lower triangular and a positive (exponentiated) diagonal: pushes N(0, I) to a full-rank
/// Gaussian N(μ, LLᵀ) (full-rank VI). log|J| = Σ log Lᵢᵢ. Starts as the identity.
/// </summary>
public sealed class LowerTriangularAffine : FlowBijector, ISerializableFlowLayer<LowerTriangularAffine>
{
    private readonly double[] _strictMask;
    private readonly int[] _diagonalPositions;

    /// <summary>Creates the layer on ℝ^<paramref name="dimension"/>.</summary>
    public LowerTriangularAffine(int dimension)
        : base(dimension)
    {
        Location = RegisterParameter("loc", new Tensor(Shape.Vector(dimension)));
        Raw = RegisterParameter("scale_tril", new Tensor(Shape.Matrix(dimension, dimension)));
        _strictMask = new double[dimension * dimension];
        _diagonalPositions = new int[dimension];
        for (int i = 0; i < dimension; i++)
        {
            _diagonalPositions[i] = (i * dimension) + i;
            for (int j = 0; j < i; j++)
            {
                _strictMask[(i * dimension) + j] = 1;
            }
        }
    }

    /// <summary>μ.</summary>
    public Modules.Parameter Location { get; }

    /// <summary>The unconstrained factor: its strict lower triangle is L's, its diagonal is log diag(L).</summary>
    public Modules.Parameter Raw { get; }

    /// <summary>L on the tape.</summary>
    public Var ScaleTril(Tape tape)
    {
        int d = Dimension;
        var raw = Raw.On(tape);
        var strict = raw * tape.Constant(_strictMask, Shape.Matrix(d, d));
        var diagonal = Ops.Reshape(Ops.Scatter(Ops.Exp(Ops.Diagonal(raw)), _diagonalPositions, d * d), Shape.Matrix(d, d));
        return strict + diagonal;
    }


    /// <inheritdoc/>
    public static string TypeName => "lower-triangular-affine";

    /// <inheritdoc/>
    public static LowerTriangularAffine Read(FlowLayerReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        long d = reader.Dimension;
        return reader.Create(d * (d + 1), () => new LowerTriangularAffine((int)d));
    }

    /// <inheritdoc/>
    protected override Var ForwardCore(Var x, out Var logAbsDetJacobian)
    {
        var t = x.Tape;
        var l = ScaleTril(t);
        logAbsDetJacobian = PerEvent(x, Ops.Sum(Ops.Diagonal(Raw.On(t))));
        var lx = x.Shape.Rank == 1 ? Ops.MatMul(l, x) : Ops.MatMul(x, Ops.Transpose(l));
        return lx + Location.On(t);
    }

    /// <inheritdoc/>
    protected override Var InverseCore(Var y, out Var logAbsDetJacobian)
    {
        var t = y.Tape;
        var l = ScaleTril(t);
        logAbsDetJacobian = PerEvent(y, -Ops.Sum(Ops.Diagonal(Raw.On(t))));
        var centered = y - Location.On(t);
        return y.Shape.Rank == 1
            ? Ops.TriangularSolve(l, centered)
            : Ops.Transpose(Ops.TriangularSolve(l, Ops.Transpose(centered)));
    }
}
