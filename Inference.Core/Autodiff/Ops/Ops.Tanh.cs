using System.Numerics.Tensors;
using Inference.Autodiff.Kernels;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>Hyperbolic tangent elementwise.</summary>
    public static Var Tanh(Var x) => Unary(TanhOp.Instance, x, nameof(x));

    private sealed class TanhOp : UnaryOp
    {
        public static readonly TanhOp Instance = new();

        public override void Forward(Tape tape, ReadOnlySpan<double> x, Span<double> y, in NodeRecord node)
        {
            TensorPrimitives.Tanh(x, y);
        }

        protected override void Derivative(Tape tape, ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> d, in NodeRecord node)
        {
            // 1 − y²
            TensorPrimitives.Multiply(y, y, d);
            TensorPrimitives.Subtract(1.0, d, d);
        }
    }
}
