using System.Numerics.Tensors;
using Inference.Autodiff.Kernels;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>x² elementwise.</summary>
    public static Var Square(Var x) => Unary(SquareOp.Instance, x, nameof(x));

    private sealed class SquareOp : UnaryOp
    {
        public static readonly SquareOp Instance = new();

        public override void Forward(Tape tape, ReadOnlySpan<double> x, Span<double> y, in NodeRecord node)
        {
            TensorPrimitives.Multiply(x, x, y);
        }

        protected override void Derivative(Tape tape, ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> d, in NodeRecord node)
        {
            TensorPrimitives.Multiply(x, 2.0, d);
        }
    }
}
