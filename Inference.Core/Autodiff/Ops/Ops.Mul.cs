using System.Numerics.Tensors;
using Inference.Autodiff.Kernels;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>a ⊙ b, elementwise with broadcasting.</summary>
    public static Var Mul(Var a, Var b) => BinaryOp.Record(MulOp.Instance, BinaryKind.Multiply, a, b);

    /// <summary>c·x.</summary>
    public static Var Mul(Var x, double c) => Unary(ScaleOp.Instance, x, nameof(x), c);

    private sealed class MulOp : BinaryOp
    {
        public static readonly MulOp Instance = new();

        protected override void Backward(Tape tape, int id, ReadOnlySpan<double> g, in NodeRecord node, double[]? ga, double[]? gb)
        {
            Shape sa = tape.Node(node.In0).Shape, sb = tape.Node(node.In1).Shape, sy = node.Shape;
            ReadOnlySpan<double> a = tape.V(node.In0), b = tape.V(node.In1);
            if (ga is not null)
            {
                if (sa == sy && sb == sy)
                {
                    TensorPrimitives.MultiplyAdd(g, b, ga, ga);
                }
                else
                {
                    AccumulateProduct(tape, BinaryKind.Multiply, g, sy, b, sb, ga, sa);
                }
            }

            if (gb is not null)
            {
                if (sa == sy && sb == sy)
                {
                    TensorPrimitives.MultiplyAdd(g, a, gb, gb);
                }
                else
                {
                    AccumulateProduct(tape, BinaryKind.Multiply, g, sy, a, sa, gb, sb);
                }
            }
        }
    }

    private sealed class ScaleOp : UnaryOp
    {
        public static readonly ScaleOp Instance = new();

        public override void Forward(Tape tape, ReadOnlySpan<double> x, Span<double> y, in NodeRecord node) =>
            TensorPrimitives.Multiply(x, node.S0, y);

        protected override void Derivative(Tape tape, ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> d, in NodeRecord node) => d.Fill(node.S0);
    }
}
