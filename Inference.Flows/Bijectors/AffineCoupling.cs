using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
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
    // The forward pass after the network is two fused nodes (the affine map, the log-determinant) instead of ten
    // small ones when rows hold this many changed coordinates (D = 100: the VI step about 20% faster), or when the
    // batch has at most FusedRows rows (a NeuTra leapfrog step evaluates one point). Short rows in a large batch keep
    // the composed ops: the fused kernels work row by row, and a row of 5 is too short for that to pay.
    private const int FusedMinimum = 16;
    private const int FusedRows = 8;

    [ThreadStatic]
    private static double[]? t_scratch;

    private readonly CouplingSplit _split;
    private readonly Mlp _net;
    private readonly CustomOp _affine;
    private readonly CustomOp _logDet;

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
        _affine = new CustomOp("affine-coupling", AffineForward, AffineBackward);
        _logDet = new CustomOp("affine-coupling-log-det", LogDetForward, LogDetBackward);
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
        if (_split.ChangeCount >= FusedMinimum || x.Shape.Rank == 1 || x.Shape[0] <= FusedRows)
        {
            var batch = CouplingSplit.AsBatch(x);
            var h = _net.Forward(_split.Passed(batch));
            var c = ScaleBound.On(x.Tape);
            logAbsDetJacobian = CouplingSplit.ScalarIfEvent(Ops.Custom(_logDet, Shape.Vector(batch.Shape[0]), h, c), x);
            return CouplingSplit.LikeInput(Ops.Custom(_affine, batch.Shape, batch, h, c), x);
        }

        var passed = _split.Passed(x);
        var (logScale, shift) = Conditioner(passed);
        logAbsDetJacobian = EventSum(logScale);
        var changed = (_split.Changed(x) * Ops.Exp(logScale)) + shift;
        return _split.Merge(passed, changed);
    }

    private static Span<double> Scratch(int length)
    {
        var buffer = t_scratch is { } b && b.Length >= length ? b : (t_scratch = new double[Math.Max(length, 256)]);
        return buffer.AsSpan(0, length);
    }

    // y = x with the changed half replaced by x_B ⊙ exp(c ⊙ tanh(h_s)) + h_t, row by row (inputs x [b, D], h [b, 2n], c [n])
    private void AffineForward(in CustomOpInputs inputs, Span<double> y)
    {
        ReadOnlySpan<double> x = inputs[0], h = inputs[1], c = inputs[2];
        int d = Dimension, n = _split.ChangeCount, start = _split.ChangeStart;
        x.CopyTo(y);
        for (int r = 0; r < x.Length / d; r++)
        {
            var yc = y.Slice((r * d) + start, n);
            TensorPrimitives.Tanh(h.Slice(r * 2 * n, n), yc);
            TensorPrimitives.Multiply(yc, c, yc);
            TensorPrimitives.Exp(yc, yc);
            TensorPrimitives.MultiplyAdd(x.Slice((r * d) + start, n), yc, h.Slice((r * 2 * n) + n, n), yc);
        }
    }

    // with s = c ⊙ tanh(h_s), e = exp(s), q = ḡ ⊙ x_B ⊙ e: x̄_A += ḡ_A, x̄_B += ḡ_B ⊙ e, h̄_t += ḡ_B,
    // c̄ += Σ_rows q ⊙ tanh(h_s), h̄_s += q ⊙ c ⊙ (1 − tanh²(h_s))
    private void AffineBackward(in CustomOpInputs inputs, ReadOnlySpan<double> y, ReadOnlySpan<double> gy, in CustomOpGradients grads)
    {
        ReadOnlySpan<double> x = inputs[0], h = inputs[1], c = inputs[2];
        bool needX = grads.IsRequired(0), needH = grads.IsRequired(1), needC = grads.IsRequired(2);
        Span<double> gx = needX ? grads[0] : default, gh = needH ? grads[1] : default, gc = needC ? grads[2] : default;
        int d = Dimension, n = _split.ChangeCount, start = _split.ChangeStart;
        var scratch = Scratch(3 * n);
        Span<double> t = scratch[..n], e = scratch.Slice(n, n), q = scratch.Slice(2 * n, n);
        int passStart = start == 0 ? n : 0, passCount = _split.PassCount;
        for (int r = 0; r < x.Length / d; r++)
        {
            var gyc = gy.Slice((r * d) + start, n);
            var hs = h.Slice(r * 2 * n, n);
            TensorPrimitives.Tanh(hs, t);
            TensorPrimitives.Multiply(t, c, e);
            TensorPrimitives.Exp(e, e);
            TensorPrimitives.Multiply(gyc, e, q);
            if (needX)
            {
                var gxa = gx.Slice((r * d) + passStart, passCount);
                TensorPrimitives.Add(gxa, gy.Slice((r * d) + passStart, passCount), gxa);
                var gxc = gx.Slice((r * d) + start, n);
                TensorPrimitives.Add(gxc, q, gxc);
            }

            if (needH)
            {
                var ght = gh.Slice((r * 2 * n) + n, n);
                TensorPrimitives.Add(ght, gyc, ght);
            }

            if (!needH && !needC)
            {
                continue;
            }

            TensorPrimitives.Multiply(q, x.Slice((r * d) + start, n), q);
            if (needC)
            {
                TensorPrimitives.MultiplyAdd(q, t, gc, gc);
            }

            if (needH)
            {
                // 1 − tanh², times c, times q
                TensorPrimitives.Multiply(t, t, t);
                TensorPrimitives.Subtract(1.0, t, t);
                TensorPrimitives.Multiply(t, c, t);
                var ghs = gh.Slice(r * 2 * n, n);
                TensorPrimitives.MultiplyAdd(q, t, ghs, ghs);
            }
        }
    }

    // log|J| per row = Σ c ⊙ tanh(h_s) (inputs h [b, 2n], c [n])
    private void LogDetForward(in CustomOpInputs inputs, Span<double> logDet)
    {
        ReadOnlySpan<double> h = inputs[0], c = inputs[1];
        int n = _split.ChangeCount;
        var t = Scratch(n);
        for (int r = 0; r < logDet.Length; r++)
        {
            TensorPrimitives.Tanh(h.Slice(r * 2 * n, n), t);
            logDet[r] = TensorPrimitives.Dot(t, c);
        }
    }

    private void LogDetBackward(in CustomOpInputs inputs, ReadOnlySpan<double> logDet, ReadOnlySpan<double> g, in CustomOpGradients grads)
    {
        ReadOnlySpan<double> h = inputs[0], c = inputs[1];
        bool needH = grads.IsRequired(0), needC = grads.IsRequired(1);
        Span<double> gh = needH ? grads[0] : default, gc = needC ? grads[1] : default;
        int n = _split.ChangeCount;
        var t = Scratch(n);
        for (int r = 0; r < g.Length; r++)
        {
            TensorPrimitives.Tanh(h.Slice(r * 2 * n, n), t);
            if (needC)
            {
                TensorPrimitives.MultiplyAdd(t, g[r], gc, gc);
            }

            if (needH)
            {
                TensorPrimitives.Multiply(t, t, t);
                TensorPrimitives.Subtract(1.0, t, t);
                TensorPrimitives.Multiply(t, c, t);
                var ghs = gh.Slice(r * 2 * n, n);
                TensorPrimitives.MultiplyAdd(t, g[r], ghs, ghs);
            }
        }
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

    /// <summary>Where the changed coordinates start in a row.</summary>
    public int ChangeStart => _swap ? 0 : PassCount;

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
