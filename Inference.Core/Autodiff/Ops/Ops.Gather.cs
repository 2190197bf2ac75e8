using System.Numerics.Tensors;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>
    /// Picks entries along <paramref name="axis"/> by index: y[…, j, …] = x[…, index[j], …]. Indices may
    /// repeat (their gradients add up). The array is read, not copied: keep it unchanged until the tape is reset.
    /// </summary>
    public static Var Gather(Var x, int[] index, int axis = -1)
    {
        ArgumentNullException.ThrowIfNull(index);
        var tape = TapeOf(x, nameof(x));
        int xi = tape.Check(x);
        var sx = tape.Node(xi).Shape;
        if (sx.Rank == 0)
        {
            throw new ArgumentException("Cannot gather from a scalar.", nameof(x));
        }

        int a = sx.NormalizeAxis(axis, nameof(axis));
        CheckIndices(index, sx[a], nameof(index));
        int id = tape.Push(GatherOp.Instance, sx.WithAxis(a, index.Length), xi);
        ref NodeRecord n = ref tape.Node(id);
        n.I0 = a;
        n.Aux = index;
        GatherOp.Forward(tape, id, in n);
        return tape.Wrap(id);
    }

    // every position of the axis exactly once: the backward pass then writes each gradient entry once
    private static bool IsPermutation(int[] index, int len)
    {
        if (index.Length != len)
        {
            return false;
        }

        Span<bool> seen = len <= 1024 ? stackalloc bool[len] : new bool[len];
        foreach (int i in index)
        {
            if (seen[i])
            {
                return false;
            }

            seen[i] = true;
        }

        return true;
    }

    private static void CheckIndices(int[] index, int size, string paramName)
    {
        for (int j = 0; j < index.Length; j++)
        {
            if ((uint)index[j] >= (uint)size)
            {
                throw new ArgumentOutOfRangeException(paramName, $"index[{j}] = {index[j]} is outside [0, {size}).");
            }
        }
    }

    private sealed class GatherOp : TapeOp, IReplayable
    {
        public static readonly GatherOp Instance = new();

        // y[…, j, …] = x[…, index[j], …] along axis I0, the index in Aux
        public static void Forward(Tape tape, int id, in NodeRecord node)
        {
            var index = (int[])node.Aux!;
            var (outer, len, inner) = tape.Node(node.In0).Shape.AroundAxis(node.I0);
            ReadOnlySpan<double> xv = tape.V(node.In0);
            Span<double> y = tape.V(id);
            int m = index.Length;
            if (inner == 1)
            {
                // the common case (columns of a batch): element copies, no span per element
                for (int o = 0; o < outer; o++)
                {
                    var src = xv.Slice(o * len, len);
                    var dst = y.Slice(o * m, m);
                    for (int j = 0; j < m; j++)
                    {
                        dst[j] = src[index[j]];
                    }
                }

                return;
            }

            for (int o = 0; o < outer; o++)
            {
                for (int j = 0; j < m; j++)
                {
                    xv.Slice(((o * len) + index[j]) * inner, inner).CopyTo(y.Slice(((o * m) + j) * inner, inner));
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

            var index = (int[])node.Aux!;
            ReadOnlySpan<double> g = tape.G(id)!;
            var (outer, len, inner) = tape.Node(node.In0).Shape.AroundAxis(node.I0);
            int m = index.Length;
            if (fresh && !IsPermutation(index, len))
            {
                Array.Clear(gx);
                fresh = false;
            }

            if (inner == 1)
            {
                for (int o = 0; o < outer; o++)
                {
                    var src = g.Slice(o * m, m);
                    var dst = gx.AsSpan(o * len, len);
                    if (fresh)
                    {
                        for (int j = 0; j < m; j++)
                        {
                            dst[index[j]] = src[j];
                        }
                    }
                    else
                    {
                        for (int j = 0; j < m; j++)
                        {
                            dst[index[j]] += src[j];
                        }
                    }
                }

                return;
            }

            if (fresh)
            {
                Array.Clear(gx);
            }

            for (int o = 0; o < outer; o++)
            {
                for (int j = 0; j < m; j++)
                {
                    var dst = gx.AsSpan(((o * len) + index[j]) * inner, inner);
                    TensorPrimitives.Add(dst, g.Slice(((o * m) + j) * inner, inner), dst);
                }
            }
        }
    }
}
