using System.Numerics.Tensors;
using Inference.Autodiff.Kernels;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>a − b, elementwise with broadcasting.</summary>
    public static Var Sub(Var a, Var b) => BinaryOp.Record(SubOp.Instance, BinaryKind.Subtract, a, b);

    /// <summary>c − x.</summary>
    public static Var Sub(double c, Var x) => Unary(RSubScalarOp.Instance, x, nameof(x), c);

    private sealed class SubOp : BinaryOp
    {
        public static readonly SubOp Instance = new();

        protected override void Backward(Tape tape, int id, ReadOnlySpan<double> g, in NodeRecord node, double[]? ga, double[]? gb)
        {
            if (ga is not null)
            {
                Broadcasting.AccumulateReduced(g, node.Shape, ga, tape.Node(node.In0).Shape);
            }

            if (gb is not null)
            {
                var sb = tape.Node(node.In1).Shape;
                if (sb == node.Shape)
                {
                    TensorPrimitives.Subtract(gb, g, gb);
                }
                else
                {
                    var neg = tape.Scratch(1, g.Length);
                    TensorPrimitives.Negate(g, neg);
                    Broadcasting.AccumulateReduced(neg, node.Shape, gb, sb);
                }
            }
        }
    }

    private sealed class RSubScalarOp : UnaryOp
    {
        public static readonly RSubScalarOp Instance = new();

        public override void Forward(Tape tape, ReadOnlySpan<double> x, Span<double> y, in NodeRecord node) =>
            TensorPrimitives.Subtract(node.S0, x, y);

        protected override void Derivative(Tape tape, ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> d, in NodeRecord node) => d.Fill(-1);
    }
}
