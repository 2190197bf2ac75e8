using Inference.Autodiff;
using Inference.Flows.Modules;
using Inference.Randomness;

namespace Inference.Flows.Bijectors;

/// <summary>
/// RealNVP affine coupling (Dinh et al. 2017). One half of the coordinates passes unchanged and conditions an
/// MLP that scales and shifts the other half: y_B = x_B ⊙ exp(s) + t, where (s, t) = NN(x_A) and
/// s = c ⊙ tanh(h) for stability. log|J| = Σ s.
/// </summary>
/// <remarks>
/// By default the first ⌈D/2⌉ coordinates pass; <c>swap</c> lets the last ⌈D/2⌉ pass instead. The network
/// sees only the passed half and outputs 2·⌊D/2⌋ values, the sizes normflows uses. Its last layer starts
/// at zero, so the layer starts as the identity. Put a <see cref="Permutation"/> between couplings.
/// </remarks>
public sealed class AffineCoupling : FlowBijector
{
    private readonly CouplingSplit _split;
    private readonly Mlp _net;

    /// <summary>Creates the layer on ℝ^<paramref name="dimension"/> (≥ 2).</summary>
    public AffineCoupling(int dimension, IReadOnlyList<int> hidden, Rng rng, bool swap = false, Activation activation = Activation.Relu)
        : base(CheckDimension(dimension))
    {
        ArgumentNullException.ThrowIfNull(hidden);
        ArgumentNullException.ThrowIfNull(rng);
        _split = new CouplingSplit(dimension, swap);
        Hidden = hidden.ToArray();
        Swap = swap;
        Activation = activation;
        _net = RegisterModule("net", new Mlp(_split.PassCount, hidden, 2 * _split.ChangeCount, rng, activation, zeroInitLast: true));
        var c = new Tensor(Shape.Vector(_split.ChangeCount));
        c.Span.Fill(1);
        ScaleBound = RegisterParameter("scale_bound", c);
    }

    /// <summary>Hidden widths of the conditioner.</summary>
    public IReadOnlyList<int> Hidden { get; }

    /// <summary>Whether the last half passes (instead of the first).</summary>
    public bool Swap { get; }

    /// <summary>The conditioner's activation.</summary>
    public Activation Activation { get; }

    /// <summary>c in s = c ⊙ tanh(h).</summary>
    public Parameter ScaleBound { get; }

    private static int CheckDimension(int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 2);
        return dimension;
    }

    private (Var LogScale, Var Shift) Conditioner(Var passed)
    {
        int n = _split.ChangeCount;
        var h = _net.Forward(CouplingSplit.AsBatch(passed));
        var logScale = ScaleBound.On(passed.Tape) * Ops.Tanh(Ops.Slice(h, 0, n));
        var shift = Ops.Slice(h, n, n);
        return (CouplingSplit.LikeInput(logScale, passed), CouplingSplit.LikeInput(shift, passed));
    }

    /// <inheritdoc/>
    protected override Var ForwardCore(Var x, out Var logAbsDetJacobian)
    {
        var passed = _split.Passed(x);
        var (logScale, shift) = Conditioner(passed);
        logAbsDetJacobian = EventSum(logScale);
        var changed = (_split.Changed(x) * Ops.Exp(logScale)) + shift;
        return _split.Merge(passed, changed);
    }

    /// <inheritdoc/>
    protected override Var InverseCore(Var y, out Var logAbsDetJacobian)
    {
        var passed = _split.Passed(y);
        var (logScale, shift) = Conditioner(passed);
        logAbsDetJacobian = -EventSum(logScale);
        var changed = (_split.Changed(y) - shift) * Ops.Exp(-logScale);
        return _split.Merge(passed, changed);
    }
}

/// <summary>
/// The split coupling layers share: the first ⌈D/2⌉ coordinates pass (or, swapped, the last ⌈D/2⌉), the rest
/// change. Both halves are contiguous, so splitting and merging are slices and a concatenation.
/// </summary>
internal sealed class CouplingSplit
{
    private readonly bool _swap;

    public CouplingSplit(int dimension, bool swap)
    {
        _swap = swap;
        PassCount = (dimension + 1) / 2;
        ChangeCount = dimension - PassCount;
    }

    public int PassCount { get; }

    public int ChangeCount { get; }

    public Var Passed(Var v) => Ops.Slice(v, _swap ? ChangeCount : 0, PassCount);

    public Var Changed(Var v) => Ops.Slice(v, _swap ? 0 : PassCount, ChangeCount);

    public Var Merge(Var passed, Var changed) => _swap ? Ops.Concat([changed, passed]) : Ops.Concat([passed, changed]);

    /// <summary>A single event [n] as a one-row batch [1, n]; batches unchanged.</summary>
    public static Var AsBatch(Var v) => v.Shape.Rank == 1 ? Ops.Reshape(v, Shape.Matrix(1, v.Shape[0])) : v;

    /// <summary>Undoes <see cref="AsBatch"/>: [1, n] back to [n] when the layer's input was a single event.</summary>
    public static Var LikeInput(Var v, Var input) => input.Shape.Rank == 1 ? Ops.Reshape(v, Shape.Vector(v.Shape[v.Shape.Rank - 1])) : v;

    /// <summary>A per-row log-Jacobian [1] as a scalar when the layer's input was a single event.</summary>
    public static Var ScalarIfEvent(Var logDet, Var input) => input.Shape.Rank == 1 ? Ops.Reshape(logDet, Shape.Scalar) : logDet;
}
