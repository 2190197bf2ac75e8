using Inference.Autodiff;
using Inference.Flows.Modules;
using Inference.Randomness;
using Inference.Flows.Serialization;

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
/// With <c>squaredInputs</c> the network reads x_A and x_A ⊙ x_A: a ReLU network of x_A alone extrapolates linearly
/// beyond the range it was trained on, one of x_A² quadratically, which is what a curved posterior (a banana whose
/// x2 follows x1²) needs in its tails; the scale stays bounded by c either way.
/// </remarks>
public sealed class AffineCoupling : FlowBijector, ISerializableFlowLayer<AffineCoupling>
{
    private readonly CouplingSplit _split;
    private readonly Mlp _net;

    /// <summary>
    /// Creates the layer on ℝ^<paramref name="dimension"/> (≥ 2); with <paramref name="contextDimension"/> &gt; 0 it is
    /// conditional: the network reads the passed half and the context y.
    /// </summary>
    public AffineCoupling(int dimension, IReadOnlyList<int> hidden, Rng rng, bool swap = false, Activation activation = Activation.Relu, int contextDimension = 0, bool squaredInputs = false)
        : base(CheckDimension(dimension), contextDimension)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        ArgumentNullException.ThrowIfNull(rng);
        _split = new CouplingSplit(dimension, swap);
        Hidden = hidden.ToArray();
        Swap = swap;
        Activation = activation;
        SquaredInputs = squaredInputs;
        _net = RegisterModule("net", new Mlp(InputCount(_split.PassCount, squaredInputs) + contextDimension, hidden, 2 * _split.ChangeCount, rng, activation, zeroInitLast: true));
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

    /// <summary>Whether the conditioner reads the squares of the passed coordinates besides the coordinates.</summary>
    public bool SquaredInputs { get; }

    /// <summary>c in s = c ⊙ tanh(h).</summary>
    public Parameter ScaleBound { get; }

    private static int InputCount(long pass, bool squared) => (int)(squared ? 2 * pass : pass);

    private static int CheckDimension(int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 2);
        return dimension;
    }

    /// <inheritdoc/>
    public static string TypeName => "affine-coupling";

    /// <inheritdoc/>
    public static AffineCoupling Read(FlowLayerReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        int d = reader.Dimension;
        var hidden = reader.Widths("hidden");
        bool swap = reader.Boolean("swap");
        var activation = reader.Enum<Activation>("activation");
        int context = reader.OptionalInteger("context", 0, 0, int.MaxValue);
        bool squared = reader.OptionalInteger("squared_inputs", 0, 0, 1) == 1;
        long pass = (d + 1L) / 2, change = d - pass;
        return reader.Create(Mlp.CountParameters(InputCount(pass, squared) + context, hidden, 2 * change) + change, () => new AffineCoupling(d, hidden, reader.Rng, swap, activation, context, squared));
    }

    /// <inheritdoc/>
    protected internal override void WriteConfiguration(FlowLayerWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Integers("hidden", Hidden);
        writer.Boolean("swap", Swap);
        writer.Enum("activation", Activation);
        if (IsConditional)
        {
            writer.Integer("context", ContextDimension);
        }

        if (SquaredInputs)
        {
            writer.Integer("squared_inputs", 1);
        }
    }

    // h = NN(x_A) (or NN(x_A, y)) and t = tanh(h_s), so that log s = c ⊙ t and the shift is h_t (the second half of h)
    private (Var H, Var T) Conditioner(Var batch, Var context)
    {
        var passed = _split.Passed(batch);
        var input = SquaredInputs ? Ops.Concat([passed, passed * passed]) : passed;
        var h = _net.Forward(IsConditional ? Ops.Concat([input, ContextRows(context, batch)]) : input);
        return (h, Ops.SliceTanh(h, 0, _split.ChangeCount));
    }

    /// <inheritdoc/>
    protected override Var ForwardCore(Var x, out Var logAbsDetJacobian) => ForwardCore(x, default, out logAbsDetJacobian);

    /// <inheritdoc/>
    protected override Var InverseCore(Var y, out Var logAbsDetJacobian) => InverseCore(y, default, out logAbsDetJacobian);

    /// <inheritdoc/>
    protected override Var ForwardCore(Var x, Var context, out Var logAbsDetJacobian)
    {
        // y_B = x_B ⊙ exp(c ⊙ t) + h_t, one fused node; log|J| = Σ c ⊙ t
        var batch = CouplingSplit.AsBatch(x);
        var (h, t) = Conditioner(batch, context);
        var c = ScaleBound.On(x.Tape);
        logAbsDetJacobian = CouplingSplit.ScalarIfEvent(Ops.MatMul(t, c), x);
        return CouplingSplit.LikeInput(Ops.CouplingAffine(batch, t, c, h, _split.ChangeStart, _split.ChangeCount), x);
    }

    /// <inheritdoc/>
    protected override Var InverseCore(Var y, Var context, out Var logAbsDetJacobian)
    {
        // x_B = (y_B − h_t) ⊙ exp(−c ⊙ t); log|J⁻¹| = −Σ c ⊙ t
        var batch = CouplingSplit.AsBatch(y);
        var (h, t) = Conditioner(batch, context);
        var c = ScaleBound.On(y.Tape);
        logAbsDetJacobian = CouplingSplit.ScalarIfEvent(-Ops.MatMul(t, c), y);
        var changed = (_split.Changed(batch) - Ops.Slice(h, _split.ChangeCount, _split.ChangeCount)) * Ops.Exp(-(t * c));
        return CouplingSplit.LikeInput(_split.Merge(_split.Passed(batch), changed), y);
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
