using System.Numerics.Tensors;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>Sum of all elements (a scalar).</summary>
    public static Var Sum(Var x) => ReduceAll(x, 1.0, nameof(x));

    /// <summary>Sum along <paramref name="axis"/> (negative counts from the end); the axis is removed.</summary>
    public static Var Sum(Var x, int axis) => ReduceAxis(x, axis, mean: false, nameof(x));

    private static Var ReduceAll(Var x, double scale, string paramName)
    {
        var tape = TapeOf(x, paramName);
        int xi = tape.Check(x);
        if (tape.IsBatched(xi))
        {
            // one sum per point: the batch viewed as [rows, elements per point], summed along its last axis
            var sx = tape.Node(xi).Shape;
            int rows = sx[0], per = sx.Length / Math.Max(rows, 1);
            int vi = sx.Rank == 2 ? xi : View(tape, xi, Shape.Matrix(rows, per));
            return ReduceAxisCore(tape, vi, 1, scale);
        }

        int id = tape.Push(SumAllOp.Instance, Shape.Scalar, xi);
        ref NodeRecord n = ref tape.Node(id);
        n.S0 = scale;
        tape.V(id)[0] = scale * TensorPrimitives.Sum(tape.V(xi));
        return tape.Wrap(id);
    }

    private static Var ReduceAxis(Var x, int axis, bool mean, string paramName)
    {
        var tape = TapeOf(x, paramName);
        int xi = tape.Check(x);
        var sx = tape.Node(xi).Shape;
        int a = tape.IsBatched(xi) ? Batching.Axis(sx, axis, nameof(axis)) : sx.NormalizeAxis(axis, nameof(axis));
        return ReduceAxisCore(tape, xi, a, mean ? 1.0 / sx[a] : 1.0);
    }

    private static Var ReduceAxisCore(Tape tape, int xi, int a, double scale)
    {
        var sx = tape.Node(xi).Shape;
        int id = tape.Push(SumAxisOp.Instance, sx.RemoveAxis(a), xi);
        ref NodeRecord n = ref tape.Node(id);
        n.S0 = scale;
        n.I0 = a;
        SumAxisOp.Forward(tape, id, in n);
        return tape.Wrap(id);
    }

    private sealed class SumAllOp : TapeOp, IReplayable
    {
        public static readonly SumAllOp Instance = new();

        public override void Replay(Tape tape, int id, ref NodeRecord node) => tape.V(id)[0] = node.S0 * TensorPrimitives.Sum(tape.V(node.In0));

        public override void Backward(Tape tape, int id, in NodeRecord node)
        {
            double[]? gx = tape.G(node.In0);
            if (gx is not null)
            {
                TensorPrimitives.Add(gx, node.S0 * tape.G(id)![0], gx);
            }
        }
    }

    private sealed class SumAxisOp : TapeOp, IBatchAware, IReplayable
    {
        public static readonly SumAxisOp Instance = new();

        public static void Forward(Tape tape, int id, in NodeRecord node)
        {
            var (outer, len, inner) = tape.Node(node.In0).Shape.AroundAxis(node.I0);
            double scale = node.S0;
            ReadOnlySpan<double> xv = tape.V(node.In0);
            Span<double> y = tape.V(id);
            for (int o = 0; o < outer; o++)
            {
                if (inner == 1)
                {
                    y[o] = scale * TensorPrimitives.Sum(xv.Slice(o * len, len));
                }
                else
                {
                    var yRow = y.Slice(o * inner, inner);
                    yRow.Clear();
                    for (int k = 0; k < len; k++)
                    {
                        TensorPrimitives.Add(yRow, xv.Slice(((o * len) + k) * inner, inner), yRow);
                    }

                    TensorPrimitives.Multiply(yRow, scale, yRow);
                }
            }
        }

        public override void Replay(Tape tape, int id, ref NodeRecord node) => Forward(tape, id, in node);

        public override void Backward(Tape tape, int id, in NodeRecord node)
        {
            double[]? gx = tape.GFresh(node.In0, out bool fresh);
            if (gx is null)
            {
                return;
            }

            // a fresh gradient is written, not cleared and added to
            ReadOnlySpan<double> g = tape.G(id)!;
            var (outer, len, inner) = tape.Node(node.In0).Shape.AroundAxis(node.I0);
            double scale = node.S0;
            for (int o = 0; o < outer; o++)
            {
                if (inner == 1)
                {
                    var row = gx.AsSpan(o * len, len);
                    if (fresh)
                    {
                        row.Fill(scale * g[o]);
                    }
                    else
                    {
                        TensorPrimitives.Add(row, scale * g[o], row);
                    }
                }
                else
                {
                    var gRow = g.Slice(o * inner, inner);
                    for (int k = 0; k < len; k++)
                    {
                        var row = gx.AsSpan(((o * len) + k) * inner, inner);
                        if (fresh)
                        {
                            TensorPrimitives.Multiply(gRow, scale, row);
                        }
                        else
                        {
                            TensorPrimitives.MultiplyAdd(gRow, scale, row, row);
                        }
                    }
                }
            }
        }
    }
}
