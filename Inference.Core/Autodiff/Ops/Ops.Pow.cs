using System.Numerics.Tensors;
using Inference.Autodiff.Kernels;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>aᵇ elementwise with broadcasting. The gradient in b uses log a and is defined for a &gt; 0 (0 where a = 0 and the power is 0).</summary>
    public static Var Pow(Var a, Var b) => BinaryOp.Record(PowOp.Instance, BinaryKind.Pow, a, b);

    /// <summary>xᶜ elementwise.</summary>
    public static Var Pow(Var x, double c) => Unary(PowScalarOp.Instance, x, nameof(x), c);

    private sealed class PowOp : BinaryOp
    {
        public static readonly PowOp Instance = new();

        protected override void Backward(Tape tape, int id, ReadOnlySpan<double> g, in NodeRecord node, double[]? ga, double[]? gb)
        {
            Shape sa = tape.Node(node.In0).Shape, sb = tape.Node(node.In1).Shape, sy = node.Shape;
            ReadOnlySpan<double> a = tape.V(node.In0), b = tape.V(node.In1), y = tape.V(id);
            var ca = tape.Scratch(1, g.Length);
            var cb = tape.Scratch(2, g.Length);
            var (a0, a1, a2) = sa.Padded;
            var (b0, b1, b2) = sb.Padded;
            var (o0, o1, o2) = sy.Padded;
            for (int i0 = 0; i0 < o0; i0++)
            {
                for (int i1 = 0; i1 < o1; i1++)
                {
                    int ar = (((a0 == 1 ? 0 : i0) * a1) + (a1 == 1 ? 0 : i1)) * a2;
                    int br = (((b0 == 1 ? 0 : i0) * b1) + (b1 == 1 ? 0 : i1)) * b2;
                    int yr = ((i0 * o1) + i1) * o2;
                    for (int i2 = 0; i2 < o2; i2++)
                    {
                        double av = a[ar + (a2 == 1 ? 0 : i2)], bv = b[br + (b2 == 1 ? 0 : i2)], gv = g[yr + i2];
                        ca[yr + i2] = gv * bv * Math.Pow(av, bv - 1);
                        double yv = y[yr + i2];
                        cb[yr + i2] = yv == 0 ? 0 : gv * yv * Math.Log(av);
                    }
                }
            }

            if (ga is not null)
            {
                Broadcasting.AccumulateReduced(ca, sy, ga, sa);
            }

            if (gb is not null)
            {
                Broadcasting.AccumulateReduced(cb, sy, gb, sb);
            }
        }
    }

    private sealed class PowScalarOp : UnaryOp
    {
        public static readonly PowScalarOp Instance = new();

        public override void Forward(Tape tape, ReadOnlySpan<double> x, Span<double> y, in NodeRecord node) =>
            TensorPrimitives.Pow(x, node.S0, y);

        protected override void Derivative(Tape tape, ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> d, in NodeRecord node)
        {
            TensorPrimitives.Pow(x, node.S0 - 1, d);
            TensorPrimitives.Multiply(d, node.S0, d);
        }
    }
}
