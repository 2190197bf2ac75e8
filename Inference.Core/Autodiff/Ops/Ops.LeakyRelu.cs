using System.Numerics.Tensors;
using Inference.Autodiff.Kernels;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>Leaky ReLU: x for x &gt; 0, slope·x otherwise.</summary>
    public static Var LeakyRelu(Var x, double negativeSlope = 0.01) => Unary(LeakyReluOp.Instance, x, nameof(x), negativeSlope);

    private sealed class LeakyReluOp : UnaryOp
    {
        public static readonly LeakyReluOp Instance = new();

        public override void Forward(Tape tape, ReadOnlySpan<double> x, Span<double> y, in NodeRecord node)
        {
            for (int i = 0; i < x.Length; i++)
            {
                y[i] = x[i] > 0 ? x[i] : node.S0 * x[i];
            }
        }

        protected override void Derivative(Tape tape, ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> d, in NodeRecord node)
        {
            for (int i = 0; i < x.Length; i++)
            {
                d[i] = x[i] > 0 ? 1 : node.S0;
            }
        }
    }
}
