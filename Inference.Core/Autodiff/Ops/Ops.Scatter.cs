using System.Numerics.Tensors;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>
    /// Scatter-add along <paramref name="axis"/> into a zero tensor whose axis has <paramref name="size"/>
    /// entries: y[…, index[j], …] += x[…, j, …]. The inverse direction of <see cref="Gather"/>.
    /// </summary>
    public static Var Scatter(Var x, int[] index, int size, int axis = -1)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        var tape = TapeOf(x, nameof(x));
        int xi = tape.Check(x);
        var sx = tape.Node(xi).Shape;
        if (sx.Rank == 0)
        {
            throw new ArgumentException("Cannot scatter a scalar.", nameof(x));
        }

        int a = sx.NormalizeAxis(axis, nameof(axis));
        var (outer, m, inner) = sx.AroundAxis(a);
        if (index.Length != m)
        {
            throw new ArgumentException($"index has {index.Length} entries but axis {a} of x has {m}.", nameof(index));
        }

        CheckIndices(index, size, nameof(index));
        int id = tape.Push(ScatterOp.Instance, sx.WithAxis(a, size), xi);
        ref NodeRecord n = ref tape.Node(id);
        n.I0 = a;
        n.Aux = index;
        ReadOnlySpan<double> xv = tape.V(xi);
        Span<double> y = tape.V(id);
        y.Clear();
        for (int o = 0; o < outer; o++)
        {
            if (inner == 1)
            {
                // along the last axis: one element per index, no span per element
                for (int j = 0; j < m; j++)
                {
                    y[(o * size) + index[j]] += xv[(o * m) + j];
                }

                continue;
            }

            for (int j = 0; j < m; j++)
            {
                var dst = y.Slice(((o * size) + index[j]) * inner, inner);
                TensorPrimitives.Add(dst, xv.Slice(((o * m) + j) * inner, inner), dst);
            }
        }

        return tape.Wrap(id);
    }

    private sealed class ScatterOp : TapeOp
    {
        public static readonly ScatterOp Instance = new();

        public override void Backward(Tape tape, int id, in NodeRecord node)
        {
            double[]? gx = tape.G(node.In0);
            if (gx is null)
            {
                return;
            }

            var index = (int[])node.Aux!;
            ReadOnlySpan<double> g = tape.G(id)!;
            var (outer, size, inner) = node.Shape.AroundAxis(node.I0);
            int m = index.Length;
            for (int o = 0; o < outer; o++)
            {
                if (inner == 1)
                {
                    for (int j = 0; j < m; j++)
                    {
                        gx[(o * m) + j] += g[(o * size) + index[j]];
                    }

                    continue;
                }

                for (int j = 0; j < m; j++)
                {
                    var dst = gx.AsSpan(((o * m) + j) * inner, inner);
                    TensorPrimitives.Add(dst, g.Slice(((o * size) + index[j]) * inner, inner), dst);
                }
            }
        }
    }
}
