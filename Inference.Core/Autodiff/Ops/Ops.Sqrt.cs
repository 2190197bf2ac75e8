using System.Numerics.Tensors;
using Inference.Autodiff.Kernels;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>Square root elementwise.</summary>
    public static Var Sqrt(Var x) => Unary(SqrtOp.Instance, x, nameof(x));

    private sealed class SqrtOp : UnaryOp
    {
        public static readonly SqrtOp Instance = new();

        public override void Forward(Tape tape, ReadOnlySpan<double> x, Span<double> y, in NodeRecord node)
        {
            TensorPrimitives.Sqrt(x, y);
        }

        protected override void Derivative(Tape tape, ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> d, in NodeRecord node)
        {
            TensorPrimitives.Divide(0.5, y, d);
        }
    }
}
