using Inference.Autodiff;

namespace Inference.Transforms;

/// <summary>
/// A differentiable bijection with a log-Jacobian, shared by constraint transforms and normalizing flows.
/// <see cref="Forward"/> maps the unconstrained (base) space to the constrained (target) space.
/// </summary>
/// <remarks>
/// Inputs have the event on the last axis: a vector [<see cref="InputDimension"/>] or a batch
/// [batch, <see cref="InputDimension"/>]; the log-Jacobian is then a scalar or a [batch] vector.
/// When the output has more coordinates than the input (a simplex: K − 1 → K), the log-Jacobian is
/// that of the map onto the first <see cref="InputDimension"/> output coordinates (Stan's convention),
/// the others being determined by them.
/// </remarks>
public interface IBijector
{
    /// <summary>Size of the unconstrained (base) event.</summary>
    int InputDimension { get; }

    /// <summary>Size of the constrained (target) event.</summary>
    int OutputDimension { get; }

    /// <summary>Whether the log-Jacobian is exact (not a stochastic estimate).</summary>
    bool HasExactLogDet { get; }

    /// <summary>Whether <see cref="Inverse"/> is analytic (not an iterative solve).</summary>
    bool HasAnalyticInverse { get; }

    /// <summary>y = T(x) and log|det ∂T/∂x|.</summary>
    Var Forward(Var x, out Var logAbsDetJacobian);

    /// <summary>x = T⁻¹(y) and log|det ∂T⁻¹/∂y| (= −log|det ∂T/∂x| at that x).</summary>
    Var Inverse(Var y, out Var logAbsDetJacobian);
}
