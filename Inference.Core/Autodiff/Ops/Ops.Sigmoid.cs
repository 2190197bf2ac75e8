using System.Numerics.Tensors;
using Inference.Autodiff.Kernels;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>Logistic sigmoid 1/(1 + e⁻ˣ) elementwise.</summary>
    public static Var Sigmoid(Var x) => Unary(SigmoidOp.Instance, x, nameof(x));

    private sealed class SigmoidOp : UnaryOp
    {
        public static readonly SigmoidOp Instance = new();

        public override void Forward(Tape tape, ReadOnlySpan<double> x, Span<double> y, in NodeRecord node)
        {
            TensorPrimitives.Sigmoid(x, y);
        }

        protected override void Derivative(Tape tape, ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> d, in NodeRecord node)
        {
            // y(1 − y)
            TensorPrimitives.Subtract(1.0, y, d);
            TensorPrimitives.Multiply(d, y, d);
        }
    }
}
