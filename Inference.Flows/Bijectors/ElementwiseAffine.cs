using Inference.Autodiff;
using Inference.Flows.Serialization;

namespace Inference.Flows.Bijectors;

/// <summary>
/// y = μ + e^{log σ} ⊙ x: pushes N(0, I) to a diagonal Gaussian (mean-field VI). log|J| = Σ log σ.
/// Starts as the identity.
/// </summary>
public sealed class ElementwiseAffine : FlowBijector, ISerializableFlowLayer<ElementwiseAffine>
{
    /// <summary>Creates the layer on ℝ^<paramref name="dimension"/>.</summary>
    public ElementwiseAffine(int dimension)
        : base(dimension)
    {
        Location = RegisterParameter("loc", new Tensor(Shape.Vector(dimension)));
        LogScale = RegisterParameter("log_scale", new Tensor(Shape.Vector(dimension)));
    }

    /// <summary>μ.</summary>
    public Modules.Parameter Location { get; }

    /// <summary>log σ.</summary>
    public Modules.Parameter LogScale { get; }


    /// <inheritdoc/>
    public static string TypeName => "elementwise-affine";

    /// <inheritdoc/>
    public static ElementwiseAffine Read(FlowLayerReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        int d = reader.Dimension;
        return reader.Create(2L * d, () => new ElementwiseAffine(d));
    }

    /// <inheritdoc/>
    protected override Var ForwardCore(Var x, out Var logAbsDetJacobian)
    {
        var t = x.Tape;
        var logScale = LogScale.On(t);
        logAbsDetJacobian = PerEvent(x, Ops.Sum(logScale));
        return (x * Ops.Exp(logScale)) + Location.On(t);
    }

    /// <inheritdoc/>
    protected override Var InverseCore(Var y, out Var logAbsDetJacobian)
    {
        var t = y.Tape;
        var logScale = LogScale.On(t);
        logAbsDetJacobian = PerEvent(y, -Ops.Sum(logScale));
        return (y - Location.On(t)) * Ops.Exp(-logScale);
    }
}
