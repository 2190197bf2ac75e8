using System.Numerics.Tensors;
using Inference.Autodiff.Kernels;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>log(1 + x) elementwise, accurate for small |x|.</summary>
    public static Var Log1p(Var x) => Unary(Log1pOp.Instance, x, nameof(x));

    private sealed class Log1pOp : UnaryOp
    {
        public static readonly Log1pOp Instance = new();

        public override void Forward(Tape tape, ReadOnlySpan<double> x, Span<double> y, in NodeRecord node)
        {
            Elementwise.Log1p(x, y, tape.Scratch(0, x.Length));
        }

        protected override void Derivative(Tape tape, ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> d, in NodeRecord node)
        {
            TensorPrimitives.Add(x, 1.0, d);
            TensorPrimitives.Reciprocal(d, d);
        }
    }
}
