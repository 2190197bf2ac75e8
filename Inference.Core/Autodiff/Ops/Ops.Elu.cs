using System.Numerics.Tensors;
using Inference.Autodiff.Kernels;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>ELU: x for x &gt; 0, α(eˣ − 1) otherwise.</summary>
    public static Var Elu(Var x, double alpha = 1.0) => Unary(EluOp.Instance, x, nameof(x), alpha);

    private sealed class EluOp : UnaryOp
    {
        public static readonly EluOp Instance = new();

        public override void Forward(Tape tape, ReadOnlySpan<double> x, Span<double> y, in NodeRecord node)
        {
            Elementwise.Expm1(x, y, tape.Scratch(0, x.Length));
            for (int i = 0; i < x.Length; i++)
            {
                y[i] = x[i] > 0 ? x[i] : node.S0 * y[i];
            }
        }

        protected override void Derivative(Tape tape, ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> d, in NodeRecord node)
        {
            for (int i = 0; i < x.Length; i++)
            {
                d[i] = x[i] > 0 ? 1 : y[i] + node.S0;
            }
        }
    }
}
