using System.Numerics.Tensors;
using Inference.Autodiff.Kernels;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>a / b, elementwise with broadcasting.</summary>
    public static Var Div(Var a, Var b) => BinaryOp.Record(DivOp.Instance, BinaryKind.Divide, a, b);

    /// <summary>c / x, elementwise.</summary>
    public static Var Div(double c, Var x) => Unary(RDivScalarOp.Instance, x, nameof(x), c);

    private sealed class DivOp : BinaryOp
    {
        public static readonly DivOp Instance = new();

        protected override void Backward(Tape tape, int id, ReadOnlySpan<double> g, in NodeRecord node, double[]? ga, double[]? gb)
        {
            Shape sa = tape.Node(node.In0).Shape, sb = tape.Node(node.In1).Shape, sy = node.Shape;
            ReadOnlySpan<double> b = tape.V(node.In1);
            if (ga is not null)
            {
                // da = g / b
                AccumulateProduct(tape, BinaryKind.Divide, g, sy, b, sb, ga, sa);
            }

            if (gb is not null)
            {
                // db = −g·y / b
                var gy = tape.Scratch(2, g.Length);
                TensorPrimitives.Multiply(g, tape.V(id), gy);
                TensorPrimitives.Negate(gy, gy);
                AccumulateProduct(tape, BinaryKind.Divide, gy, sy, b, sb, gb, sb);
            }
        }
    }

    private sealed class RDivScalarOp : UnaryOp
    {
        public static readonly RDivScalarOp Instance = new();

        public override void Forward(Tape tape, ReadOnlySpan<double> x, Span<double> y, in NodeRecord node) =>
            TensorPrimitives.Divide(node.S0, x, y);

        // d(c/x)/dx = −y/x
        protected override void Derivative(Tape tape, ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> d, in NodeRecord node)
        {
            TensorPrimitives.Divide(y, x, d);
            TensorPrimitives.Negate(d, d);
        }
    }
}
