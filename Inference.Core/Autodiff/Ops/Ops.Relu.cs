using System.Numerics.Tensors;
using Inference.Autodiff.Kernels;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>max(x, 0) elementwise; the derivative at 0 is taken as 0.</summary>
    public static Var Relu(Var x) => Unary(ReluOp.Instance, x, nameof(x));

    private sealed class ReluOp : UnaryOp
    {
        public static readonly ReluOp Instance = new();

        public override void Forward(Tape tape, ReadOnlySpan<double> x, Span<double> y, in NodeRecord node)
        {
            TensorPrimitives.Max(x, 0.0, y);
        }

        protected override bool BackwardFused(ReadOnlySpan<double> x, ReadOnlySpan<double> g, Span<double> gx, bool accumulate, in NodeRecord node)
        {
            Elementwise.ReluBackward(x, g, gx, accumulate);
            return true;
        }

        protected override void Derivative(Tape tape, ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> d, in NodeRecord node)
        {
            for (int i = 0; i < x.Length; i++)
            {
                d[i] = x[i] > 0 ? 1 : 0;
            }
        }
    }
}
