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
    // The sampling direction (the one VI and NeuTra differentiate) does its work after the network in two fused nodes,
    // the affine map and the log-determinant, instead of ten small ones; the density direction keeps the composed ops.
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
        var batch = CouplingSplit.AsBatch(x);
        var h = _net.Forward(_split.Passed(batch));
        var c = ScaleBound.On(x.Tape);
        logAbsDetJacobian = CouplingSplit.ScalarIfEvent(Ops.Custom(_logDet, Shape.Vector(batch.Shape[0]), h, c), x);
        return CouplingSplit.LikeInput(Ops.Custom(_affine, batch.Shape, batch, h, c), x);
    }

    private static Span<double> Scratch(int length)
    {
        var buffer = t_scratch is { } b && b.Length >= length ? b : (t_scratch = new double[Math.Max(length, 1024)]);
        return buffer.AsSpan(0, length);
    }

    // t = tanh(h_s) for every row, gathered into one block so that tanh runs over the whole batch at once
    private void TanhOfScales(ReadOnlySpan<double> h, Span<double> t)
    {
        int n = _split.ChangeCount;
        for (int r = 0; r < t.Length / n; r++)
        {
            h.Slice(r * 2 * n, n).CopyTo(t.Slice(r * n, n));
        }

        TensorPrimitives.Tanh(t, t);
    }

    // e = exp(c ⊙ t) over the batch
    private static void ExpOfLogScales(ReadOnlySpan<double> t, ReadOnlySpan<double> c, Span<double> e)
    {
        int n = c.Length;
        for (int r = 0; r < t.Length / n; r++)
        {
            var tr = t.Slice(r * n, n);
            var er = e.Slice(r * n, n);
            for (int j = 0; j < n; j++)
            {
                er[j] = c[j] * tr[j];
            }
        }

        TensorPrimitives.Exp(e, e);
    }

    // y = x with the changed half replaced by x_B ⊙ exp(c ⊙ tanh(h_s)) + h_t (inputs x [b, D], h [b, 2n], c [n])
    private void AffineForward(in CustomOpInputs inputs, Span<double> y)
    {
        ReadOnlySpan<double> x = inputs[0], h = inputs[1], c = inputs[2];
        int d = Dimension, n = _split.ChangeCount, start = _split.ChangeStart, rows = x.Length / d;
        var scratch = Scratch(2 * rows * n);
        Span<double> t = scratch[..(rows * n)], e = scratch[(rows * n)..];
        TanhOfScales(h, t);
        ExpOfLogScales(t, c, e);
        x.CopyTo(y);
        for (int r = 0; r < rows; r++)
        {
            int xo = (r * d) + start, ho = (r * 2 * n) + n, eo = r * n;
            for (int j = 0; j < n; j++)
            {
                y[xo + j] = (x[xo + j] * e[eo + j]) + h[ho + j];
            }
        }
    }

    // with t = tanh(h_s), e = exp(c ⊙ t), q = ḡ_B ⊙ x_B ⊙ e: x̄_A += ḡ_A, x̄_B += ḡ_B ⊙ e, h̄_t += ḡ_B,
    // c̄ += Σ_rows q ⊙ t, h̄_s += q ⊙ c ⊙ (1 − t²)
    private void AffineBackward(in CustomOpInputs inputs, ReadOnlySpan<double> y, ReadOnlySpan<double> gy, in CustomOpGradients grads)
    {
        ReadOnlySpan<double> x = inputs[0], h = inputs[1], c = inputs[2];
        bool needX = grads.IsRequired(0), needH = grads.IsRequired(1), needC = grads.IsRequired(2);
        Span<double> gx = needX ? grads[0] : default, gh = needH ? grads[1] : default, gc = needC ? grads[2] : default;
        int d = Dimension, n = _split.ChangeCount, start = _split.ChangeStart, rows = x.Length / d;
        int passStart = start == 0 ? n : 0, passCount = _split.PassCount;
        var scratch = Scratch(2 * rows * n);
        Span<double> t = scratch[..(rows * n)], e = scratch[(rows * n)..];
        TanhOfScales(h, t);
        ExpOfLogScales(t, c, e);
        for (int r = 0; r < rows; r++)
        {
            int xo = (r * d) + start, ho = r * 2 * n, eo = r * n;
            if (needX)
            {
                var gxa = gx.Slice((r * d) + passStart, passCount);
                TensorPrimitives.Add(gxa, gy.Slice((r * d) + passStart, passCount), gxa);
            }

            for (int j = 0; j < n; j++)
            {
                double g = gy[xo + j], ge = g * e[eo + j];
                if (needX)
                {
                    gx[xo + j] += ge;
                }

                if (needH)
                {
                    gh[ho + n + j] += g;
                }

                double q = ge * x[xo + j], tj = t[eo + j];
                if (needC)
                {
                    gc[j] += q * tj;
                }

                if (needH)
                {
                    gh[ho + j] += q * c[j] * (1 - (tj * tj));
                }
            }
        }
    }

    // log|J| per row = Σ c ⊙ tanh(h_s) (inputs h [b, 2n], c [n])
    private void LogDetForward(in CustomOpInputs inputs, Span<double> logDet)
    {
        ReadOnlySpan<double> h = inputs[0], c = inputs[1];
        int n = _split.ChangeCount;
        var t = Scratch(logDet.Length * n);
        TanhOfScales(h, t);
        for (int r = 0; r < logDet.Length; r++)
        {
            logDet[r] = TensorPrimitives.Dot(t.Slice(r * n, n), c);
        }
    }

    private void LogDetBackward(in CustomOpInputs inputs, ReadOnlySpan<double> logDet, ReadOnlySpan<double> g, in CustomOpGradients grads)
    {
        ReadOnlySpan<double> h = inputs[0], c = inputs[1];
        bool needH = grads.IsRequired(0), needC = grads.IsRequired(1);
        Span<double> gh = needH ? grads[0] : default, gc = needC ? grads[1] : default;
        int n = _split.ChangeCount;
        var t = Scratch(g.Length * n);
        TanhOfScales(h, t);
        for (int r = 0; r < g.Length; r++)
        {
            for (int j = 0; j < n; j++)
            {
                double tj = t[(r * n) + j];
                if (needC)
                {
                    gc[j] += g[r] * tj;
                }

                if (needH)
                {
                    gh[(r * 2 * n) + j] += g[r] * c[j] * (1 - (tj * tj));
                }
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
