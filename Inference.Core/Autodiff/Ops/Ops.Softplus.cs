using System.Numerics.Tensors;
using Inference.Autodiff.Kernels;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>softplus(x) = log(1 + eˣ) elementwise, stable for all x.</summary>
    public static Var Softplus(Var x) => Unary(SoftplusOp.Instance, x, nameof(x));

    private sealed class SoftplusOp : UnaryOp
    {
        public static readonly SoftplusOp Instance = new();

        public override void Forward(Tape tape, ReadOnlySpan<double> x, Span<double> y, in NodeRecord node)
        {
            Elementwise.Softplus(x, y, tape.Scratch(0, x.Length), tape.Scratch(1, x.Length));
        }

        protected override void Derivative(Tape tape, ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> d, in NodeRecord node)
        {
            TensorPrimitives.Sigmoid(x, d);
        }
    }
}
