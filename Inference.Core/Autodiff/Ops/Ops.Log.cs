using System.Numerics.Tensors;
using Inference.Autodiff.Kernels;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>Natural logarithm elementwise.</summary>
    public static Var Log(Var x) => Unary(LogOp.Instance, x, nameof(x));

    private sealed class LogOp : UnaryOp
    {
        public static readonly LogOp Instance = new();

        public override void Forward(Tape tape, ReadOnlySpan<double> x, Span<double> y, in NodeRecord node)
        {
            TensorPrimitives.Log(x, y);
        }

        protected override void Derivative(Tape tape, ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> d, in NodeRecord node)
        {
            TensorPrimitives.Reciprocal(x, d);
        }
    }
}
