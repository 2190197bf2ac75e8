using Inference.Autodiff;
using Inference.Flows.Modules;
using Inference.Randomness;

namespace Inference.Flows.Bijectors;

/// <summary>
/// Affine autoregressive layer (IAF or MAF by <see cref="AutoregressiveFlow.Direction"/>):
/// yᵢ = xᵢ·exp(sᵢ) + tᵢ with (sᵢ, tᵢ) from a MADE of the conditioning coordinates before i and
/// s = c·tanh(h) bounded as in the coupling layer. log|J| = Σ sᵢ. Starts as the identity.
/// </summary>
public sealed class MaskedAffineAutoregressive : AutoregressiveFlow
{
    /// <summary>Creates the layer.</summary>
    public MaskedAffineAutoregressive(int dimension, IReadOnlyList<int> hidden, Rng rng, AutoregressiveDirection direction = AutoregressiveDirection.Inverse, Activation activation = Activation.Relu)
        : base(dimension, hidden, 2, rng, direction, activation)
    {
        var c = new Tensor(Shape.Vector(dimension));
        c.Span.Fill(1);
        ScaleBound = RegisterParameter("scale_bound", c);
    }

    /// <summary>c in s = c ⊙ tanh(h).</summary>
    public Parameter ScaleBound { get; }

    private (Var LogScale, Var Shift) Split(Var parameters)
    {
        var shape = Shape.Matrix(parameters.Shape[0], Dimension);
        var shift = Ops.Reshape(Ops.Slice(parameters, 0, 1), shape);
        var logScale = ScaleBound.On(parameters.Tape) * Ops.Tanh(Ops.Reshape(Ops.Slice(parameters, 1, 1), shape));
        return (logScale, shift);
    }

    /// <inheritdoc/>
    protected override Var Transform(Var x, Var parameters, out Var logAbsDetJacobian)
    {
        var (logScale, shift) = Split(parameters);
        logAbsDetJacobian = Ops.Sum(logScale, -1);
        return (x * Ops.Exp(logScale)) + shift;
    }

    /// <inheritdoc/>
    protected override Var InverseTransform(Var y, Var parameters, out Var logAbsDetJacobian)
    {
        var (logScale, shift) = Split(parameters);
        logAbsDetJacobian = -Ops.Sum(logScale, -1);
        return (y - shift) * Ops.Exp(-logScale);
    }
}
