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
    // The sampling direction (the one VI and NeuTra differentiate) does its work after the network in three fused nodes
    // instead of ten small ones: t = tanh(h_s), the log-determinant from t, and the affine map from t. tanh runs once
    // per pass (its backward uses t), exp once forward and once backward. The density direction keeps the composed ops.
    private readonly CouplingSplit _split;
    private readonly Mlp _net;
    private readonly CustomOp _tanh;
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
        _tanh = new CustomOp("affine-coupling-tanh", TanhForward, TanhBackward);
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
        var batch = CouplingSplit.AsBatch(x);
        int rows = batch.Shape[0];
        var h = _net.Forward(_split.Passed(batch));
        var c = ScaleBound.On(x.Tape);
        var t = Ops.Custom(_tanh, Shape.Matrix(rows, _split.ChangeCount), h);
        logAbsDetJacobian = CouplingSplit.ScalarIfEvent(Ops.Custom(_logDet, Shape.Vector(rows), t, c), x);
        return CouplingSplit.LikeInput(Ops.Custom(_affine, batch.Shape, batch, h, t, c), x);
    }

    // t = tanh(h_s) for every row (input h [b, 2n], output t [b, n]); its backward needs only t
    private void TanhForward(in CustomOpInputs inputs, Span<double> t)
    {
        ReadOnlySpan<double> h = inputs[0];
        int n = _split.ChangeCount;
        for (int r = 0; r < t.Length / n; r++)
        {
            h.Slice(r * 2 * n, n).CopyTo(t.Slice(r * n, n));
        }

        TensorPrimitives.Tanh(t, t);
    }

    // h̄_s += t̄ ⊙ (1 − t²)
    private void TanhBackward(in CustomOpInputs inputs, ReadOnlySpan<double> t, ReadOnlySpan<double> gt, in CustomOpGradients grads)
    {
        if (!grads.IsRequired(0))
        {
            return;
        }

        var gh = grads[0];
        int n = _split.ChangeCount;
        for (int r = 0; r < t.Length / n; r++)
        {
            RowMath.AddOneMinusSquareTimes(t.Slice(r * n, n), gt.Slice(r * n, n), gh.Slice(r * 2 * n, n));
        }
    }

    // e = exp(c ⊙ t) over the batch
    private static void ExpOfLogScales(ReadOnlySpan<double> t, ReadOnlySpan<double> c, Span<double> e)
    {
        int n = c.Length;
        for (int r = 0; r < t.Length / n; r++)
        {
            RowMath.Multiply(t.Slice(r * n, n), c, e.Slice(r * n, n));
        }

        TensorPrimitives.Exp(e, e);
    }

    // y = x with the changed half replaced by x_B ⊙ exp(c ⊙ t) + h_t (inputs x [b, D], h [b, 2n], t [b, n], c [n])
    private void AffineForward(in CustomOpInputs inputs, Span<double> y)
    {
        ReadOnlySpan<double> x = inputs[0], h = inputs[1], t = inputs[2], c = inputs[3];
        int d = Dimension, n = _split.ChangeCount, start = _split.ChangeStart, rows = x.Length / d;
        int passStart = start == 0 ? n : 0, passCount = _split.PassCount;
        var e = ThreadScratch.Get(rows * n);
        ExpOfLogScales(t, c, e);
        for (int r = 0; r < rows; r++)
        {
            int row = r * d;
            x.Slice(row + passStart, passCount).CopyTo(y.Slice(row + passStart, passCount));
            RowMath.MultiplyAdd(x.Slice(row + start, n), e.Slice(r * n, n), h.Slice((r * 2 * n) + n, n), y.Slice(row + start, n));
        }
    }

    // with e = exp(c ⊙ t) and q = ȳ_B ⊙ x_B ⊙ e: x̄_A += ȳ_A, x̄_B += ȳ_B ⊙ e, h̄_t += ȳ_B, t̄ += q ⊙ c, c̄ += Σ_rows q ⊙ t.
    // This node is the first to reach x̄, h̄ and t̄ in the backward pass, so it assigns them instead of clearing and adding.
    private void AffineBackward(in CustomOpInputs inputs, ReadOnlySpan<double> y, ReadOnlySpan<double> gy, in CustomOpGradients grads)
    {
        ReadOnlySpan<double> x = inputs[0], h = inputs[1], t = inputs[2], c = inputs[3];
        int d = Dimension, n = _split.ChangeCount, start = _split.ChangeStart, rows = x.Length / d;
        int passStart = start == 0 ? n : 0, passCount = _split.PassCount;
        var gx = grads.ForWriting(0, out bool assignX);
        var gh = grads.ForWriting(1, out bool assignH);
        var gt = grads.ForWriting(2, out bool assignT);
        var gc = grads.IsRequired(3) ? grads[3] : default;
        var scratch = ThreadScratch.Get(2 * rows * n);
        Span<double> e = scratch[..(rows * n)], q = scratch[(rows * n)..];
        ExpOfLogScales(t, c, e);
        for (int r = 0; r < rows; r++)
        {
            int row = r * d, changed = row + start, er = r * n;
            var gyB = gy.Slice(changed, n);
            var eR = e.Slice(er, n);
            if (!gx.IsEmpty)
            {
                RowMath.Accumulate(gy.Slice(row + passStart, passCount), gx.Slice(row + passStart, passCount), assignX);
                RowMath.MultiplyAccumulate(gyB, eR, gx.Slice(changed, n), assignX);
            }

            if (!gh.IsEmpty)
            {
                var ghRow = gh.Slice(r * 2 * n, 2 * n);
                if (assignH)
                {
                    ghRow[..n].Clear();
                }

                RowMath.Accumulate(gyB, ghRow[n..], assignH);
            }

            if (!gt.IsEmpty || !gc.IsEmpty)
            {
                var qR = q.Slice(er, n);
                RowMath.Multiply(gyB, eR, qR);
                RowMath.Multiply(qR, x.Slice(changed, n), qR);
                if (!gt.IsEmpty)
                {
                    RowMath.MultiplyAccumulate(qR, c, gt.Slice(er, n), assignT);
                }

                if (!gc.IsEmpty)
                {
                    RowMath.MultiplyAccumulate(qR, t.Slice(er, n), gc, assign: false);
                }
            }
        }
    }

    // log|J| per row = Σ c ⊙ t (inputs t [b, n], c [n])
    private void LogDetForward(in CustomOpInputs inputs, Span<double> logDet)
    {
        ReadOnlySpan<double> t = inputs[0], c = inputs[1];
        int n = c.Length;
        for (int r = 0; r < logDet.Length; r++)
        {
            logDet[r] = TensorPrimitives.Dot(t.Slice(r * n, n), c);
        }
    }

    // t̄ += ḡ c per row; c̄ += Σ_rows ḡ t
    private void LogDetBackward(in CustomOpInputs inputs, ReadOnlySpan<double> logDet, ReadOnlySpan<double> g, in CustomOpGradients grads)
    {
        ReadOnlySpan<double> t = inputs[0], c = inputs[1];
        var gt = grads.IsRequired(0) ? grads[0] : default;
        var gc = grads.IsRequired(1) ? grads[1] : default;
        int n = c.Length;
        for (int r = 0; r < g.Length; r++)
        {
            if (!gt.IsEmpty)
            {
                RowMath.ScaledAdd(g[r], c, gt.Slice(r * n, n));
            }

            if (!gc.IsEmpty)
            {
                RowMath.ScaledAdd(g[r], t.Slice(r * n, n), gc);
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
