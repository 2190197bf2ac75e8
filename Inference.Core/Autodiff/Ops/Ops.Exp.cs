using System.Numerics.Tensors;
using Inference.Autodiff.Kernels;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>eˣ elementwise.</summary>
    public static Var Exp(Var x) => Unary(ExpOp.Instance, x, nameof(x));

    private sealed class ExpOp : UnaryOp
    {
        public static readonly ExpOp Instance = new();

        public override void Forward(Tape tape, ReadOnlySpan<double> x, Span<double> y, in NodeRecord node)
        {
            TensorPrimitives.Exp(x, y);
        }

        protected override void Derivative(Tape tape, ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> d, in NodeRecord node)
        {
            y.CopyTo(d);
        }
    }
}
