using System.Numerics.Tensors;
using Inference.Autodiff.Kernels;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>Softmax along <paramref name="axis"/> (default: the last), shifted by the maximum for stability.</summary>
    public static Var Softmax(Var x, int axis = -1) => SoftmaxCore(x, axis, log: false);

    /// <summary>Log-softmax x − logsumexp(x) along <paramref name="axis"/> (default: the last).</summary>
    public static Var LogSoftmax(Var x, int axis = -1) => SoftmaxCore(x, axis, log: true);

    private static Var SoftmaxCore(Var x, int axis, bool log)
    {
        var tape = TapeOf(x, nameof(x));
        int xi = tape.Check(x);
        var sx = tape.Node(xi).Shape;
        if (sx.Rank == 0)
        {
            throw new ArgumentException("Softmax needs at least one axis.", nameof(x));
        }

        int a = sx.NormalizeAxis(axis, nameof(axis));
        var (outer, len, inner) = sx.AroundAxis(a);
        int id = tape.Push(SoftmaxOp.Instance, sx, xi);
        ref NodeRecord n = ref tape.Node(id);
        n.I0 = a;
        n.I1 = log ? 1 : 0;
        ReadOnlySpan<double> xv = tape.V(xi);
        Span<double> y = tape.V(id);
        var line = tape.Scratch(0, len);
        var outLine = tape.Scratch(1, len);
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                ReadOnlySpan<double> row = xv.Slice(o * len * inner, len * inner);
                if (inner != 1)
                {
                    Elementwise.GatherLine(xv, o, i, len, inner, line);
                    row = line;
                }

                Span<double> dst = inner == 1 ? y.Slice(o * len, len) : outLine;
                if (log)
                {
                    TensorPrimitives.Subtract(row, Elementwise.LogSumExpRow(row, tape.Scratch(2, len)), dst);
                }
                else
                {
                    Elementwise.SoftmaxRow(row, dst);
                }

                if (inner != 1)
                {
                    Elementwise.SetLine(y, o, i, len, inner, dst);
                }
            }
        }

        return tape.Wrap(id);
    }

    private sealed class SoftmaxOp : TapeOp
    {
        public static readonly SoftmaxOp Instance = new();

        // softmax:     dx = y ⊙ (g − Σ g⊙y)
        // log-softmax: dx = g − softmax(x) · Σ g = g − exp(y) · Σ g
        public override void Backward(Tape tape, int id, in NodeRecord node)
        {
            double[]? gx = tape.G(node.In0);
            if (gx is null)
            {
                return;
            }

            bool log = node.I1 == 1;
            ReadOnlySpan<double> y = tape.V(id), g = tape.G(id)!;
            var (outer, len, inner) = node.Shape.AroundAxis(node.I0);
            var yl = tape.Scratch(0, len);
            var gl = tape.Scratch(1, len);
            var dl = tape.Scratch(2, len);
            for (int o = 0; o < outer; o++)
            {
                for (int i = 0; i < inner; i++)
                {
                    Elementwise.GatherLine(y, o, i, len, inner, yl);
                    Elementwise.GatherLine(g, o, i, len, inner, gl);
                    if (log)
                    {
                        double sg = TensorPrimitives.Sum(gl);
                        TensorPrimitives.Exp(yl, dl);
                        TensorPrimitives.Multiply(dl, -sg, dl);
                        TensorPrimitives.Add(dl, gl, dl);
                    }
                    else
                    {
                        double sgy = TensorPrimitives.Dot(gl, yl);
                        TensorPrimitives.Subtract(gl, sgy, dl);
                        TensorPrimitives.Multiply(dl, yl, dl);
                    }

                    Elementwise.AddLine(gx, o, i, len, inner, dl);
                }
            }
        }
    }
}
