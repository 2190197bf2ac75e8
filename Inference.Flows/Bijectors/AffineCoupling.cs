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
    private readonly int[] _pass;
    private readonly int[] _change;
    private readonly int[] _merge;
    private readonly Mlp _net;

    /// <summary>Creates the layer on ℝ^<paramref name="dimension"/> (≥ 2).</summary>
    public AffineCoupling(int dimension, IReadOnlyList<int> hidden, Rng rng, bool swap = false, Activation activation = Activation.Tanh)
        : base(CheckDimension(dimension))
    {
        ArgumentNullException.ThrowIfNull(hidden);
        ArgumentNullException.ThrowIfNull(rng);
        (_pass, _change, _merge) = CouplingSplit.Halves(dimension, swap);
        Hidden = hidden.ToArray();
        Swap = swap;
        Activation = activation;
        _net = RegisterModule("net", new Mlp(_pass.Length, hidden, 2 * _change.Length, rng, activation, zeroInitLast: true));
        var c = new Tensor(Shape.Vector(_change.Length));
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
        int n = _change.Length;
        var h = _net.Forward(CouplingSplit.AsBatch(passed));
        var logScale = ScaleBound.On(passed.Tape) * Ops.Tanh(Ops.Slice(h, 0, n));
        var shift = Ops.Slice(h, n, n);
        return (CouplingSplit.LikeInput(logScale, passed), CouplingSplit.LikeInput(shift, passed));
    }

    /// <inheritdoc/>
    protected override Var ForwardCore(Var x, out Var logAbsDetJacobian)
    {
        var passed = Ops.Gather(x, _pass);
        var (logScale, shift) = Conditioner(passed);
        logAbsDetJacobian = EventSum(logScale);
        var changed = (Ops.Gather(x, _change) * Ops.Exp(logScale)) + shift;
        return Ops.Gather(Ops.Concat([passed, changed]), _merge);
    }

    /// <inheritdoc/>
    protected override Var InverseCore(Var y, out Var logAbsDetJacobian)
    {
        var passed = Ops.Gather(y, _pass);
        var (logScale, shift) = Conditioner(passed);
        logAbsDetJacobian = -EventSum(logScale);
        var changed = (Ops.Gather(y, _change) - shift) * Ops.Exp(-logScale);
        return Ops.Gather(Ops.Concat([passed, changed]), _merge);
    }
}

/// <summary>The index bookkeeping coupling layers share.</summary>
internal static class CouplingSplit
{
    /// <summary>
    /// The passed and changed coordinates (the first ⌈D/2⌉ pass, or the last ⌈D/2⌉ when swapped) and the gather
    /// that puts [passed, changed] back in order.
    /// </summary>
    public static (int[] Pass, int[] Change, int[] Merge) Halves(int dimension, bool swap)
    {
        int passCount = (dimension + 1) / 2;
        var all = Enumerable.Range(0, dimension).ToArray();
        var pass = swap ? all[(dimension - passCount)..] : all[..passCount];
        var change = swap ? all[..(dimension - passCount)] : all[passCount..];
        var merge = new int[dimension];
        for (int j = 0; j < pass.Length; j++)
        {
            merge[pass[j]] = j;
        }

        for (int j = 0; j < change.Length; j++)
        {
            merge[change[j]] = pass.Length + j;
        }

        return (pass, change, merge);
    }

    /// <summary>A single event [n] as a one-row batch [1, n]; batches unchanged.</summary>
    public static Var AsBatch(Var v) => v.Shape.Rank == 1 ? Ops.Reshape(v, Shape.Matrix(1, v.Shape[0])) : v;

    /// <summary>Undoes <see cref="AsBatch"/>: [1, n] back to [n] when the layer's input was a single event.</summary>
    public static Var LikeInput(Var v, Var input) => input.Shape.Rank == 1 ? Ops.Reshape(v, Shape.Vector(v.Shape[v.Shape.Rank - 1])) : v;

    /// <summary>A per-row log-Jacobian [1] as a scalar when the layer's input was a single event.</summary>
    public static Var ScalarIfEvent(Var logDet, Var input) => input.Shape.Rank == 1 ? Ops.Reshape(logDet, Shape.Scalar) : logDet;
}
