using System.Numerics.Tensors;
using Inference.Autodiff.Kernels;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>|x| elementwise; the derivative at 0 is taken as 0.</summary>
    public static Var Abs(Var x) => Unary(AbsOp.Instance, x, nameof(x));

    private sealed class AbsOp : UnaryOp
    {
        public static readonly AbsOp Instance = new();

        public override void Forward(Tape tape, ReadOnlySpan<double> x, Span<double> y, in NodeRecord node)
        {
            TensorPrimitives.Abs(x, y);
        }

        protected override void Derivative(Tape tape, ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> d, in NodeRecord node)
        {
            for (int i = 0; i < x.Length; i++)
            {
                d[i] = x[i] > 0 ? 1 : x[i] < 0 ? -1 : 0;
            }
        }
    }
}
