using Inference.Autodiff;
using Inference.Randomness;
using Inference.Flows.Serialization;

namespace Inference.Flows.Bijectors;

/// <summary>
/// An invertible linear layer in LU form (Kingma and Dhariwal 2018; Durkan et al. 2019): y = Wx + c with
/// W = P·L·U, P a fixed permutation, L unit lower-triangular, U upper-triangular with diagonal exp(s).
/// log|J| = Σ s; the inverse uses two triangular solves. Starts as the permutation P (L = U = I).
/// </summary>
public sealed class LuLinear : FlowBijector, ISerializableFlowLayer<LuLinear>
{
    private readonly int[] _permutation;
    private readonly int[] _inversePermutation;
    private readonly int[] _reverse;
    private readonly Tensor _strictLower;
    private readonly Tensor _strictUpper;
    private readonly Tensor _identity;

    /// <summary>Creates the layer with the permutation y-row i ← row <paramref name="permutation"/>[i] (identity when null).</summary>
    public LuLinear(int dimension, IReadOnlyList<int>? permutation = null)
        : base(dimension)
    {
        _permutation = permutation?.ToArray() ?? Enumerable.Range(0, dimension).ToArray();
        if (_permutation.Length != dimension)
        {
            throw new ArgumentException($"The permutation has {_permutation.Length} entries; {dimension} expected.", nameof(permutation));
        }

        _ = new Permutation(_permutation); // validates
        _inversePermutation = new int[dimension];
        for (int j = 0; j < dimension; j++)
        {
            _inversePermutation[_permutation[j]] = j;
        }

        _reverse = Enumerable.Range(0, dimension).Reverse().ToArray();
        _strictLower = new Tensor(Shape.Matrix(dimension, dimension));
        _strictUpper = new Tensor(Shape.Matrix(dimension, dimension));
        _identity = new Tensor(Shape.Matrix(dimension, dimension));
        for (int i = 0; i < dimension; i++)
        {
            for (int j = 0; j < dimension; j++)
            {
                _strictLower[(i * dimension) + j] = j < i ? 1 : 0;
                _strictUpper[(i * dimension) + j] = j > i ? 1 : 0;
                _identity[(i * dimension) + j] = i == j ? 1 : 0;
            }
        }

        Lower = RegisterParameter("lower", new Tensor(Shape.Matrix(dimension, dimension)));
        Upper = RegisterParameter("upper", new Tensor(Shape.Matrix(dimension, dimension)));
        LogDiagonal = RegisterParameter("log_diagonal", new Tensor(Shape.Vector(dimension)));
        Bias = RegisterParameter("bias", new Tensor(Shape.Vector(dimension)));
    }

    /// <summary>Creates the layer with a random permutation (normflows' LULinearPermute).</summary>
    public static LuLinear WithRandomPermutation(int dimension, Rng rng) => new(dimension, Permutation.Random(dimension, rng).Index);

    /// <summary>P as an index: row i of W is row Permutation[i] of L·U.</summary>
    public IReadOnlyList<int> PermutationIndex => _permutation;

    /// <summary>L below its diagonal (the rest is not read).</summary>
    public Modules.Parameter Lower { get; }

    /// <summary>U above its diagonal (the rest is not read).</summary>
    public Modules.Parameter Upper { get; }

    /// <summary>s: U's diagonal is exp(s).</summary>
    public Modules.Parameter LogDiagonal { get; }

    /// <summary>c.</summary>
    public Modules.Parameter Bias { get; }

    private (Var L, Var U) Factors(Tape t)
    {
        var identity = t.Constant(_identity);
        var l = (Lower.On(t) * t.Constant(_strictLower)) + identity;
        var u = (Upper.On(t) * t.Constant(_strictUpper)) + (Ops.Exp(LogDiagonal.On(t)) * identity);
        return (l, u);
    }


    /// <inheritdoc/>
    public static string TypeName => "lu-linear";

    /// <inheritdoc/>
    public static LuLinear Read(FlowLayerReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        int d = reader.Dimension;
        var permutation = reader.Permutation("permutation", d);
        return reader.Create((2L * d * d) + (2L * d), () => new LuLinear(d, permutation));
    }

    /// <inheritdoc/>
    protected internal override void WriteConfiguration(FlowLayerWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Integers("permutation", _permutation);
    }

    /// <inheritdoc/>
    protected override Var ForwardCore(Var x, out Var logAbsDetJacobian)
    {
        var t = x.Tape;
        var (l, u) = Factors(t);
        var w = Ops.Gather(Ops.MatMul(l, u), _permutation, axis: 0);
        var batch = CouplingSplit.AsBatch(x);
        var y = Ops.MatMul(batch, Ops.Transpose(w)) + Bias.On(t);
        logAbsDetJacobian = PerEvent(x, Ops.Sum(LogDiagonal.On(t)));
        return CouplingSplit.LikeInput(y, x);
    }

    /// <inheritdoc/>
    protected override Var InverseCore(Var y, out Var logAbsDetJacobian)
    {
        var t = y.Tape;
        var (l, u) = Factors(t);
        var batch = CouplingSplit.AsBatch(y) - Bias.On(t);

        // xᵀ = U⁻¹ L⁻¹ Pᵀ (y − c)ᵀ; U is solved as the lower-triangular J·U·J (J reverses the order)
        var permuted = Ops.Transpose(Ops.Gather(batch, _inversePermutation));
        var z = Ops.TriangularSolve(l, permuted);
        var uFlipped = Ops.Gather(Ops.Gather(u, _reverse, axis: 0), _reverse, axis: 1);
        var x = Ops.Gather(Ops.TriangularSolve(uFlipped, Ops.Gather(z, _reverse, axis: 0)), _reverse, axis: 0);
        logAbsDetJacobian = PerEvent(y, -Ops.Sum(LogDiagonal.On(t)));
        return CouplingSplit.LikeInput(Ops.Transpose(x), y);
    }
}
