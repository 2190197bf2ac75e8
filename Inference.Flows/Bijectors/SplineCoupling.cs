using Inference.Autodiff;
using Inference.Flows.Modules;
using Inference.Randomness;
using Inference.Flows.Serialization;

namespace Inference.Flows.Bijectors;

/// <summary>
/// Rational-quadratic neural spline coupling (Durkan et al. 2019): one half of the coordinates passes
/// unchanged and conditions an MLP that gives each coordinate of the other half a monotone spline on
/// [−B, B] with K bins and identity tails. The network's last layer starts at zero: uniform bins with unit
/// derivatives, so the layer starts as the identity.
/// </summary>
public sealed class SplineCoupling : FlowBijector, ISerializableFlowLayer<SplineCoupling>
{
    private readonly CouplingSplit _split;
    private readonly Mlp _net;

    /// <summary>
    /// Creates the layer on ℝ^<paramref name="dimension"/> (≥ 2); with <paramref name="contextDimension"/> &gt; 0 the network
    /// reads the passed half and a context y: the layer is conditional.
    /// </summary>
    public SplineCoupling(int dimension, IReadOnlyList<int> hidden, Rng rng, int bins = 8, double tailBound = 3, bool swap = false, Activation activation = Activation.Relu, int contextDimension = 0)
        : base(dimension, contextDimension)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 2);
        ArgumentNullException.ThrowIfNull(hidden);
        ArgumentNullException.ThrowIfNull(rng);
        RationalQuadraticSpline.CheckSettings(bins, tailBound);
        _split = new CouplingSplit(dimension, swap);
        Hidden = hidden.ToArray();
        Bins = bins;
        TailBound = tailBound;
        Swap = swap;
        Activation = activation;
        _net = RegisterModule("net", new Mlp(_split.PassCount + contextDimension, hidden, _split.ChangeCount * RationalQuadraticSpline.ParameterCount(bins), rng, activation, zeroInitLast: true));
    }

    /// <summary>Hidden widths of the conditioner.</summary>
    public IReadOnlyList<int> Hidden { get; }

    /// <summary>K, the number of bins.</summary>
    public int Bins { get; }

    /// <summary>B: the spline acts on [−B, B] and is the identity outside.</summary>
    public double TailBound { get; }

    /// <summary>Whether the last half passes (instead of the first).</summary>
    public bool Swap { get; }

    /// <summary>The conditioner's activation.</summary>
    public Activation Activation { get; }

    private Var Apply(Var v, Var context, bool inverse, out Var logAbsDetJacobian)
    {
        var batch = CouplingSplit.AsBatch(v);
        var passed = _split.Passed(batch);
        var input = IsConditional ? Ops.Concat([passed, ContextRows(context, batch)]) : passed;
        var raw = Ops.Reshape(_net.Forward(input), Shape.Of(batch.Shape[0], _split.ChangeCount, RationalQuadraticSpline.ParameterCount(Bins)));
        var changed = RationalQuadraticSpline.Apply(_split.Changed(batch), raw, Bins, TailBound, inverse, out var logDet);
        logAbsDetJacobian = CouplingSplit.ScalarIfEvent(logDet, v);
        return CouplingSplit.LikeInput(_split.Merge(passed, changed), v);
    }


    /// <inheritdoc/>
    public static string TypeName => "spline-coupling";

    /// <inheritdoc/>
    public static SplineCoupling Read(FlowLayerReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        int d = reader.Dimension;
        var hidden = reader.Widths("hidden");
        int bins = reader.Integer("bins", 2, 1 << 20);
        double bound = reader.Number("tail_bound");
        bool swap = reader.Boolean("swap");
        var activation = reader.Enum<Activation>("activation");
        int context = reader.OptionalInteger("context", 0, 0, int.MaxValue);
        long change = d - ((d + 1L) / 2);
        return reader.Create(Mlp.CountParameters(((d + 1L) / 2) + context, hidden, change * ((3L * bins) - 1)), () => new SplineCoupling(d, hidden, reader.Rng, bins, bound, swap, activation, context));
    }

    /// <inheritdoc/>
    protected internal override void WriteConfiguration(FlowLayerWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Integers("hidden", Hidden);
        writer.Integer("bins", Bins);
        writer.Number("tail_bound", TailBound);
        writer.Boolean("swap", Swap);
        writer.Enum("activation", Activation);
        if (IsConditional)
        {
            writer.Integer("context", ContextDimension);
        }
    }

    /// <inheritdoc/>
    protected override Var ForwardCore(Var x, out Var logAbsDetJacobian) => Apply(x, default, inverse: false, out logAbsDetJacobian);

    /// <inheritdoc/>
    protected override Var InverseCore(Var y, out Var logAbsDetJacobian) => Apply(y, default, inverse: true, out logAbsDetJacobian);

    /// <inheritdoc/>
    protected override Var ForwardCore(Var x, Var context, out Var logAbsDetJacobian) => Apply(x, context, inverse: false, out logAbsDetJacobian);

    /// <inheritdoc/>
    protected override Var InverseCore(Var y, Var context, out Var logAbsDetJacobian) => Apply(y, context, inverse: true, out logAbsDetJacobian);
}
