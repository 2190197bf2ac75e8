namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>
    /// One entry of each line along the last axis: y[…] = x[…, index[…]] for x [..., K] and one index per line, in
    /// row-major order (PyTorch's <c>gather(x, -1, index[..., None])</c>). The gradient goes to the picked entries only.
    /// The array is read, not copied: keep it unchanged until the tape is reset.
    /// </summary>
    public static Var TakeAlongLastAxis(Var x, int[] index)
    {
        ArgumentNullException.ThrowIfNull(index);
        var tape = TapeOf(x, nameof(x));
        int xi = tape.Check(x);
        var sx = tape.Node(xi).Shape;
        if (sx.Rank == 0)
        {
            throw new ArgumentException("Cannot take entries along the last axis of a scalar.", nameof(x));
        }

        int k = sx[sx.Rank - 1];
        int lines = k == 0 ? 0 : sx.Length / k;
        if (index.Length != lines)
        {
            throw new ArgumentException($"{index.Length} indices given for the {lines} lines of shape {sx}.", nameof(index));
        }

        CheckIndices(index, k, nameof(index));
        int id = tape.Push(TakeAlongLastAxisOp.Instance, sx.RemoveAxis(sx.Rank - 1), xi);
        ref NodeRecord n = ref tape.Node(id);
        n.I0 = k;
        n.Aux = index;
        ReadOnlySpan<double> xv = tape.V(xi);
        Span<double> y = tape.V(id);
        for (int i = 0; i < lines; i++)
        {
            y[i] = xv[(i * k) + index[i]];
        }

        return tape.Wrap(id);
    }

    private sealed class TakeAlongLastAxisOp : TapeOp
    {
        public static readonly TakeAlongLastAxisOp Instance = new();

        public override void Backward(Tape tape, int id, in NodeRecord node)
        {
            double[]? gx = tape.G(node.In0);
            if (gx is null)
            {
                return;
            }

            var index = (int[])node.Aux!;
            int k = node.I0;
            ReadOnlySpan<double> g = tape.G(id)!;
            for (int i = 0; i < index.Length; i++)
            {
                gx[(i * k) + index[i]] += g[i];
            }
        }
    }
}
