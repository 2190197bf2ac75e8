using Inference.Autodiff;
using Inference.Flows.Modules;
using Inference.Randomness;
using Inference.Flows.Serialization;

namespace Inference.Flows.Bijectors;

/// <summary>
/// Autoregressive rational-quadratic spline layer: coordinate i gets a monotone spline on [−B, B] (K bins,
/// identity tails) whose parameters come from a MADE of the coordinates before it. With
/// <see cref="AutoregressiveDirection.Inverse"/> sampling is one pass (reverse KL); with
/// <see cref="AutoregressiveDirection.Masked"/> density evaluation is (forward KL).
/// </summary>
public sealed class SplineAutoregressive : AutoregressiveFlow, ISerializableFlowLayer<SplineAutoregressive>
{
    /// <summary>Creates the layer.</summary>
    /// <remarks>With <paramref name="contextDimension"/> &gt; 0 the MADE reads a context y as well: the layer is conditional.</remarks>
    public SplineAutoregressive(int dimension, IReadOnlyList<int> hidden, Rng rng, int bins = 8, double tailBound = 3, AutoregressiveDirection direction = AutoregressiveDirection.Inverse, Activation activation = Activation.Relu, int contextDimension = 0)
        : base(dimension, hidden, RationalQuadraticSpline.ParameterCount(CheckBins(bins, tailBound)), rng, direction, activation, contextDimension: contextDimension)
    {
        Bins = bins;
        TailBound = tailBound;
    }

    /// <summary>K, the number of bins.</summary>
    public int Bins { get; }

    /// <summary>B: the spline acts on [−B, B] and is the identity outside.</summary>
    public double TailBound { get; }

    private static int CheckBins(int bins, double bound)
    {
        RationalQuadraticSpline.CheckSettings(bins, bound);
        return bins;
    }


    /// <inheritdoc/>
    public static string TypeName => "spline-autoregressive";

    /// <inheritdoc/>
    public static SplineAutoregressive Read(FlowLayerReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        int d = reader.Dimension;
        var hidden = reader.Widths("hidden");
        int bins = reader.Integer("bins", 2, 1 << 20);
        double bound = reader.Number("tail_bound");
        var direction = reader.Enum<AutoregressiveDirection>("direction");
        // version 1 did not save the activation (it was always the default)
        var activation = reader.Version >= 2 ? reader.Enum<Activation>("activation") : Activation.Relu;
        int context = reader.OptionalInteger("context", 0, 0, int.MaxValue);
        return reader.Create(Made.CountParameters(d, hidden, (3L * bins) - 1, context), () => new SplineAutoregressive(d, hidden, reader.Rng, bins, bound, direction, activation, context));
    }

    /// <inheritdoc/>
    protected internal override void WriteConfiguration(FlowLayerWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Integers("hidden", Hidden);
        writer.Integer("bins", Bins);
        writer.Number("tail_bound", TailBound);
        writer.Enum("direction", Direction);
        writer.Enum("activation", Activation);
        if (IsConditional)
        {
            writer.Integer("context", ContextDimension);
        }
    }

    /// <inheritdoc/>
    protected override Var Transform(Var x, Var parameters, out Var logAbsDetJacobian) =>
        RationalQuadraticSpline.Apply(x, parameters, Bins, TailBound, inverse: false, out logAbsDetJacobian);

    /// <inheritdoc/>
    protected override Var InverseTransform(Var y, Var parameters, out Var logAbsDetJacobian) =>
        RationalQuadraticSpline.Apply(y, parameters, Bins, TailBound, inverse: true, out logAbsDetJacobian);
}
