using System.Numerics.Tensors;
using Inference.Autodiff.Kernels;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>log Σ exp(x) over all elements, computed stably (a scalar).</summary>
    public static Var LogSumExp(Var x)
    {
        var tape = TapeOf(x, nameof(x));
        int xi = tape.Check(x);
        int id = tape.Push(LogSumExpOp.Instance, Shape.Scalar, xi);
        tape.Node(id).I0 = -1;
        LogSumExpOp.Forward(tape, id, in tape.Node(id));
        return tape.Wrap(id);
    }

    /// <summary>log Σ exp(x) along <paramref name="axis"/>, computed stably; the axis is removed.</summary>
    public static Var LogSumExp(Var x, int axis)
    {
        var tape = TapeOf(x, nameof(x));
        int xi = tape.Check(x);
        var sx = tape.Node(xi).Shape;
        int a = sx.NormalizeAxis(axis, nameof(axis));
        int id = tape.Push(LogSumExpOp.Instance, sx.RemoveAxis(a), xi);
        tape.Node(id).I0 = a;
        LogSumExpOp.Forward(tape, id, in tape.Node(id));
        return tape.Wrap(id);
    }

    private sealed class LogSumExpOp : TapeOp, IReplayable
    {
        public static readonly LogSumExpOp Instance = new();

        // over all elements (I0 = −1) or along axis I0
        public static void Forward(Tape tape, int id, in NodeRecord node)
        {
            ReadOnlySpan<double> xv = tape.V(node.In0);
            if (node.I0 < 0)
            {
                tape.V(id)[0] = Elementwise.LogSumExpRow(xv, tape.Scratch(0, xv.Length));
                return;
            }

            var (outer, len, inner) = tape.Node(node.In0).Shape.AroundAxis(node.I0);
            Span<double> y = tape.V(id);
            var line = tape.Scratch(0, len);
            var work = tape.Scratch(1, len);
            for (int o = 0; o < outer; o++)
            {
                for (int i = 0; i < inner; i++)
                {
                    ReadOnlySpan<double> row;
                    if (inner == 1)
                    {
                        row = xv.Slice(o * len, len);
                    }
                    else
                    {
                        Elementwise.GatherLine(xv, o, i, len, inner, line);
                        row = line;
                    }

                    y[(o * inner) + i] = Elementwise.LogSumExpRow(row, work);
                }
            }
        }

        public override void Replay(Tape tape, int id, ref NodeRecord node) => Forward(tape, id, in node);

        // dx = g · exp(x − y): the softmax along the reduced axis.
        public override void Backward(Tape tape, int id, in NodeRecord node)
        {
            double[]? gx = tape.G(node.In0);
            if (gx is null)
            {
                return;
            }

            ReadOnlySpan<double> x = tape.V(node.In0), y = tape.V(id), g = tape.G(id)!;
            var sx = tape.Node(node.In0).Shape;
            var (outer, len, inner) = node.I0 < 0 ? (1, sx.Length, 1) : sx.AroundAxis(node.I0);
            var line = tape.Scratch(0, len);
            for (int o = 0; o < outer; o++)
            {
                for (int i = 0; i < inner; i++)
                {
                    int yi = (o * inner) + i;
                    if (inner == 1)
                    {
                        TensorPrimitives.Subtract(x.Slice(o * len, len), y[yi], line);
                    }
                    else
                    {
                        Elementwise.GatherLine(x, o, i, len, inner, line);
                        TensorPrimitives.Subtract(line, y[yi], line);
                    }

                    TensorPrimitives.Exp(line, line);
                    TensorPrimitives.Multiply(line, g[yi], line);
                    if (inner == 1)
                    {
                        var row = gx.AsSpan(o * len, len);
                        TensorPrimitives.Add(row, line, row);
                    }
                    else
                    {
                        Elementwise.AddLine(gx, o, i, len, inner, line);
                    }
                }
            }
        }
    }
}
