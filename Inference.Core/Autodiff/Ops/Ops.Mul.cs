using System.Numerics.Tensors;
using Inference.Autodiff.Kernels;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>a ⊙ b, elementwise with broadcasting.</summary>
    public static Var Mul(Var a, Var b) => BinaryOp.Record(MulOp.Instance, BinaryKind.Multiply, a, b);

    /// <summary>c·x.</summary>
    public static Var Mul(Var x, double c) => Unary(ScaleOp.Instance, x, nameof(x), c);

    private sealed class MulOp : BinaryOp, IFreshGradientWriter
    {
        public static readonly MulOp Instance = new();

        public void Backward(Tape tape, ReadOnlySpan<double> g, in NodeRecord node, double[]? ga, bool freshA, double[]? gb, bool freshB)
        {
            Shape sa = tape.Node(node.In0).Shape, sb = tape.Node(node.In1).Shape, sy = node.Shape;
            ReadOnlySpan<double> a = tape.V(node.In0), b = tape.V(node.In1);
            Write(tape, g, sy, b, sb, ga, freshA, sa);
            Write(tape, g, sy, a, sa, gb, freshB, sb);
        }

        // grad_x (+)= g ∘ other, reduced to x's shape
        private static void Write(Tape tape, ReadOnlySpan<double> g, Shape sy, ReadOnlySpan<double> other, Shape sOther, double[]? grad, bool fresh, Shape sGrad)
        {
            if (grad is null)
            {
                return;
            }

            if (sGrad == sy && sOther == sy)
            {
                if (fresh)
                {
                    TensorPrimitives.Multiply(g, other, grad);
                }
                else
                {
                    TensorPrimitives.MultiplyAdd(g, other, grad, grad);
                }
            }
            else if (fresh)
            {
                Broadcasting.Binary(BinaryKind.Multiply, g, sy, other, sOther, grad, sy);
            }
            else
            {
                AccumulateProduct(tape, BinaryKind.Multiply, g, sy, other, sOther, grad, sGrad);
            }
        }

        protected override void Backward(Tape tape, int id, ReadOnlySpan<double> g, in NodeRecord node, double[]? ga, double[]? gb) =>
            Backward(tape, g, in node, ga, false, gb, false);
    }

    private sealed class ScaleOp : UnaryOp
    {
        public static readonly ScaleOp Instance = new();

        public override void Forward(Tape tape, ReadOnlySpan<double> x, Span<double> y, in NodeRecord node) =>
            TensorPrimitives.Multiply(x, node.S0, y);

        protected override void Derivative(Tape tape, ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> d, in NodeRecord node) => d.Fill(node.S0);

        // gx (+)= c·g in one pass, without a buffer of c's
        protected override bool BackwardFused(ReadOnlySpan<double> x, ReadOnlySpan<double> g, Span<double> gx, bool accumulate, in NodeRecord node)
        {
            if (accumulate)
            {
                TensorPrimitives.MultiplyAdd(g, node.S0, gx, gx);
            }
            else
            {
                TensorPrimitives.Multiply(g, node.S0, gx);
            }

            return true;
        }
    }
}
