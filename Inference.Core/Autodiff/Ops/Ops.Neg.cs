using System.Numerics.Tensors;
using Inference.Autodiff.Kernels;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>−x.</summary>
    public static Var Neg(Var x) => Unary(NegOp.Instance, x, nameof(x));

    private sealed class NegOp : UnaryOp
    {
        public static readonly NegOp Instance = new();

        public override void Forward(Tape tape, ReadOnlySpan<double> x, Span<double> y, in NodeRecord node)
        {
            TensorPrimitives.Negate(x, y);
        }

        protected override void Derivative(Tape tape, ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> d, in NodeRecord node)
        {
            d.Fill(-1);
        }
    }
}
