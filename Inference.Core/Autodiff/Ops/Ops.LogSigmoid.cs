using System.Numerics.Tensors;
using Inference.Autodiff.Kernels;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>log σ(x) = −softplus(−x) elementwise, stable for all x.</summary>
    public static Var LogSigmoid(Var x) => Unary(LogSigmoidOp.Instance, x, nameof(x));

    private sealed class LogSigmoidOp : UnaryOp
    {
        public static readonly LogSigmoidOp Instance = new();

        public override void Forward(Tape tape, ReadOnlySpan<double> x, Span<double> y, in NodeRecord node)
        {
            var nx = tape.Scratch(0, x.Length);
            TensorPrimitives.Negate(x, nx);
            Elementwise.Softplus(nx, y, tape.Scratch(1, x.Length), tape.Scratch(2, x.Length));
            TensorPrimitives.Negate(y, y);
        }

        protected override void Derivative(Tape tape, ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> d, in NodeRecord node)
        {
            // σ(−x)
            TensorPrimitives.Negate(x, d);
            TensorPrimitives.Sigmoid(d, d);
        }
    }
}
