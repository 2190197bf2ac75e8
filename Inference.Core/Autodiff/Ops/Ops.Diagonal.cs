namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>The diagonal of a square matrix as a vector.</summary>
    public static Var Diagonal(Var a)
    {
        var tape = TapeOf(a, nameof(a));
        int ai = tape.Check(a);
        var sa = tape.Node(ai).Shape;
        if (sa.Rank != 2 || sa[0] != sa[1])
        {
            throw new ArgumentException($"Diagonal needs a square matrix; got shape {sa}.", nameof(a));
        }

        int n = sa[0];
        int id = tape.Push(DiagonalOp.Instance, Shape.Vector(n), ai);
        ReadOnlySpan<double> av = tape.V(ai);
        Span<double> y = tape.V(id);
        for (int i = 0; i < n; i++)
        {
            y[i] = av[(i * n) + i];
        }

        return tape.Wrap(id);
    }

    private sealed class DiagonalOp : TapeOp
    {
        public static readonly DiagonalOp Instance = new();

        public override void Backward(Tape tape, int id, in NodeRecord node)
        {
            double[]? ga = tape.G(node.In0);
            if (ga is null)
            {
                return;
            }

            ReadOnlySpan<double> g = tape.G(id)!;
            int n = g.Length;
            for (int i = 0; i < n; i++)
            {
                ga[(i * n) + i] += g[i];
            }
        }
    }
}
