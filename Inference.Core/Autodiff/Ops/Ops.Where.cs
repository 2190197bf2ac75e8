namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>
    /// Elementwise selection: y = condition ? a : b, for a and b of one shape with as many elements as
    /// <paramref name="condition"/>. Gradients flow only to the selected side. The mask is read, not copied.
    /// </summary>
    public static Var Where(bool[] condition, Var a, Var b)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var tape = TapeOf(a, b, nameof(a), nameof(b));
        int ai = tape.Check(a), bi = tape.Check(b);
        var sa = tape.Node(ai).Shape;
        if (sa != tape.Node(bi).Shape)
        {
            throw new ArgumentException($"Where needs a and b of one shape; got {sa} and {tape.Node(bi).Shape}.", nameof(b));
        }

        return WhereCore(tape, condition, ai, bi, 0, sa);
    }

    /// <summary>Masking: y = condition ? x : <paramref name="fill"/>. Gradients flow where the mask is true.</summary>
    public static Var Where(bool[] condition, Var x, double fill)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var tape = TapeOf(x, nameof(x));
        int xi = tape.Check(x);
        return WhereCore(tape, condition, xi, -1, fill, tape.Node(xi).Shape);
    }

    private static Var WhereCore(Tape tape, bool[] condition, int ai, int bi, double fill, Shape shape)
    {
        if (condition.Length != shape.Length)
        {
            throw new ArgumentException($"condition has {condition.Length} entries; the values have shape {shape}.", nameof(condition));
        }

        int id = tape.Push(WhereOp.Instance, shape, ai, bi);
        ref NodeRecord n = ref tape.Node(id);
        n.Aux = condition;
        n.S0 = fill;
        WhereOp.Forward(tape, id, in n);
        return tape.Wrap(id);
    }

    private sealed class WhereOp : TapeOp, IBatchAware, IReplayable
    {
        public static readonly WhereOp Instance = new();

        // condition (Aux) ? a : (b, or the fill S0 when there is no b)
        public static void Forward(Tape tape, int id, in NodeRecord node)
        {
            var condition = (bool[])node.Aux!;
            int bi = node.In1;
            double fill = node.S0;
            ReadOnlySpan<double> av = tape.V(node.In0);
            ReadOnlySpan<double> bv = bi >= 0 ? tape.V(bi) : default;
            Span<double> y = tape.V(id);
            for (int i = 0; i < y.Length; i++)
            {
                y[i] = condition[i] ? av[i] : (bi >= 0 ? bv[i] : fill);
            }
        }

        public override void Replay(Tape tape, int id, ref NodeRecord node) => Forward(tape, id, in node);

        public override void Backward(Tape tape, int id, in NodeRecord node)
        {
            var condition = (bool[])node.Aux!;
            ReadOnlySpan<double> g = tape.G(id)!;
            double[]? ga = tape.G(node.In0), gb = tape.G(node.In1);
            for (int i = 0; i < g.Length; i++)
            {
                if (condition[i])
                {
                    if (ga is not null)
                    {
                        ga[i] += g[i];
                    }
                }
                else if (gb is not null)
                {
                    gb[i] += g[i];
                }
            }
        }
    }
}
