using System.Numerics.Tensors;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>Elements <paramref name="start"/> … <paramref name="start"/> + <paramref name="length"/> − 1 along <paramref name="axis"/>.</summary>
    public static Var Slice(Var x, int start, int length, int axis = -1)
    {
        var tape = TapeOf(x, nameof(x));
        int xi = tape.Check(x);
        var sx = tape.Node(xi).Shape;
        bool batched = tape.IsBatched(xi);
        if (sx.Rank == (batched ? 1 : 0))
        {
            throw new ArgumentException("Cannot slice a scalar.", nameof(x));
        }

        int a = batched ? Batching.Axis(sx, axis, nameof(axis)) : sx.NormalizeAxis(axis, nameof(axis));
        var (outer, len, inner) = sx.AroundAxis(a);
        if (start < 0 || length < 0 || start + length > len)
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"Slice [{start}, {start + length}) is outside axis {a} of size {len}.");
        }

        int id = tape.Push(SliceOp.Instance, sx.WithAxis(a, length), xi);
        ref NodeRecord n = ref tape.Node(id);
        n.I0 = a;
        n.I1 = start;
        SliceOp.Forward(tape, id, in n);
        return tape.Wrap(id);
    }

    /// <summary>
    /// Element <paramref name="index"/> of the vector <paramref name="x"/> as a scalar: one node where
    /// <c>Reshape(Slice(x, index, 1), Shape.Scalar)</c> records two (a model's scalar parameters are read this way).
    /// </summary>
    internal static Var Element(Var x, int index)
    {
        var tape = TapeOf(x, nameof(x));
        int xi = tape.Check(x);
        var sx = tape.Node(xi).Shape;
        if (sx.Rank != 1 || tape.IsBatched(xi))
        {
            throw new ArgumentException($"Element needs an unbatched vector; got shape {sx}.", nameof(x));
        }

        if ((uint)index >= (uint)sx[0])
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Outside a vector of {sx[0]} elements.");
        }

        int id = tape.Push(ElementOp.Instance, Shape.Scalar, xi);
        tape.Node(id).I0 = index;
        tape.V(id)[0] = tape.V(xi)[index];
        return tape.Wrap(id);
    }

    // below this many elements per copied block, plain loops beat a span and a copy call per block
    private const int ShortBlock = 16;

    private sealed class SliceOp : TapeOp, IBatchAware, IReplayable
    {
        public static readonly SliceOp Instance = new();

        // elements I1 … I1 + length − 1 along axis I0 of the input
        public static void Forward(Tape tape, int id, in NodeRecord node)
        {
            var (outer, len, inner) = tape.Node(node.In0).Shape.AroundAxis(node.I0);
            int start = node.I1, length = node.Shape[node.I0];
            ReadOnlySpan<double> xv = tape.V(node.In0);
            Span<double> y = tape.V(id);
            int block = length * inner;
            if (block < ShortBlock)
            {
                // short blocks (a column of a [batch, D, 2] parameter block): element copies, no span per block
                for (int o = 0; o < outer; o++)
                {
                    int from = ((o * len) + start) * inner, to = o * block;
                    for (int b = 0; b < block; b++)
                    {
                        y[to + b] = xv[from + b];
                    }
                }

                return;
            }

            for (int o = 0; o < outer; o++)
            {
                xv.Slice(((o * len) + start) * inner, block).CopyTo(y.Slice(o * block, block));
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

            ReadOnlySpan<double> g = tape.G(id)!;
            var (outer, len, inner) = tape.Node(node.In0).Shape.AroundAxis(node.I0);
            int block = node.Shape[node.I0] * inner;
            int before = node.I1 * inner, rowLength = len * inner;
            if (rowLength < ShortBlock)
            {
                for (int o = 0; o < outer; o++)
                {
                    int row = o * rowLength, src = (o * block) - before;
                    if (fresh)
                    {
                        for (int j = 0; j < rowLength; j++)
                        {
                            gx[row + j] = j >= before && j < before + block ? g[src + j] : 0;
                        }
                    }
                    else
                    {
                        for (int j = before; j < before + block; j++)
                        {
                            gx[row + j] += g[src + j];
                        }
                    }
                }

                return;
            }

            for (int o = 0; o < outer; o++)
            {
                var row = gx.AsSpan(o * rowLength, rowLength);
                var src = g.Slice(o * block, block);
                if (fresh)
                {
                    // nothing was added here yet: zero around the slice, copy into it
                    row[..before].Clear();
                    src.CopyTo(row.Slice(before, block));
                    row[(before + block)..].Clear();
                }
                else
                {
                    var dst = row.Slice(before, block);
                    TensorPrimitives.Add(dst, src, dst);
                }
            }
        }
    }

    private sealed class ElementOp : TapeOp, IReplayable
    {
        public static readonly ElementOp Instance = new();

        public override void Replay(Tape tape, int id, ref NodeRecord node) => tape.V(id)[0] = tape.V(node.In0)[node.I0];

        public override void Backward(Tape tape, int id, in NodeRecord node)
        {
            double[]? gx = tape.GFresh(node.In0, out bool fresh);
            if (gx is null)
            {
                return;
            }

            double g = tape.G(id)![0];
            if (fresh)
            {
                // nothing was added here yet: zero around the element
                Array.Clear(gx);
                gx[node.I0] = g;
            }
            else
            {
                gx[node.I0] += g;
            }
        }
    }
}
