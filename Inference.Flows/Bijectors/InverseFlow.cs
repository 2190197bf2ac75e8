using Inference.Autodiff;
using Inference.Flows.Serialization;

namespace Inference.Flows.Bijectors;

/// <summary>
/// A flow with its two directions swapped: Forward is the inner flow's inverse and Inverse its forward map. Put a
/// residual or proximal residual flow (explicit forward, fixed-point inverse) in it to make the explicit direction the
/// density direction, as Hertrich trains the proximal residual flow: log q(x) by one explicit pass, draws by the
/// fixed point. The inner flow's log-determinants change sign with the directions.
/// </summary>
public sealed class InverseFlow : FlowBijector, ISerializableFlowLayer<InverseFlow>
{
    /// <summary>Wraps <paramref name="inner"/>.</summary>
    public InverseFlow(FlowBijector inner)
        : base((inner ?? throw new ArgumentNullException(nameof(inner))).Dimension, inner.ContextDimension)
    {
        Inner = RegisterModule("inner", inner);
    }

    /// <summary>The wrapped flow.</summary>
    public FlowBijector Inner { get; }

    /// <inheritdoc/>
    public override bool HasExactLogDet => Inner.HasExactLogDet;

    /// <inheritdoc/>
    public override bool HasAnalyticInverse => true;

    /// <inheritdoc/>
    public static string TypeName => "inverse";

    /// <inheritdoc/>
    public static InverseFlow Read(FlowLayerReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var inner = reader.Layer("layer");
        return reader.Create(0, () => new InverseFlow(inner));
    }

    /// <inheritdoc/>
    protected internal override void WriteConfiguration(FlowLayerWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Layer("layer", Inner);
    }

    /// <inheritdoc/>
    public override Var Penalty(Tape tape) => Inner.Penalty(tape);

    /// <inheritdoc/>
    protected override Var ForwardCore(Var x, out Var logAbsDetJacobian) => Inner.Inverse(x, out logAbsDetJacobian);

    /// <inheritdoc/>
    protected override Var InverseCore(Var y, out Var logAbsDetJacobian) => Inner.Forward(y, out logAbsDetJacobian);

    /// <inheritdoc/>
    protected override Var ForwardCore(Var x, Var context, out Var logAbsDetJacobian) =>
        IsConditional ? Inner.Inverse(x, context, out logAbsDetJacobian) : Inner.Inverse(x, out logAbsDetJacobian);

    /// <inheritdoc/>
    protected override Var InverseCore(Var y, Var context, out Var logAbsDetJacobian) =>
        IsConditional ? Inner.Forward(y, context, out logAbsDetJacobian) : Inner.Forward(y, out logAbsDetJacobian);
}
