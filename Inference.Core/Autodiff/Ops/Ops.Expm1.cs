using System.Numerics.Tensors;
using Inference.Autodiff.Kernels;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>eˣ − 1 elementwise, accurate for small |x|.</summary>
    public static Var Expm1(Var x) => Unary(Expm1Op.Instance, x, nameof(x));

    private sealed class Expm1Op : UnaryOp
    {
        public static readonly Expm1Op Instance = new();

        public override void Forward(Tape tape, ReadOnlySpan<double> x, Span<double> y, in NodeRecord node)
        {
            Elementwise.Expm1(x, y, tape.Scratch(0, x.Length));
        }

        protected override void Derivative(Tape tape, ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> d, in NodeRecord node)
        {
            TensorPrimitives.Add(y, 1.0, d);
        }
    }
}
