namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>
    /// X = L⁻¹B for a lower-triangular L [n,n] (only its lower triangle is read) and B [n] or [n,k],
    /// by forward substitution. Gradients flow to L's lower triangle and to B.
    /// </summary>
    public static Var TriangularSolve(Var lower, Var b)
    {
        var tape = TapeOf(lower, b, nameof(lower), nameof(b));
        int li = tape.Check(lower), bi = tape.Check(b);
        Shape sl = tape.Node(li).Shape, sb = tape.Node(bi).Shape;
        if (sl.Rank != 2 || sl[0] != sl[1])
        {
            throw new ArgumentException($"The triangular factor must be square; got shape {sl}.", nameof(lower));
        }

        if ((sb.Rank != 1 && sb.Rank != 2) || sb[0] != sl[0])
        {
            throw new ArgumentException($"B must be [{sl[0]}] or [{sl[0]}, k]; got shape {sb}.", nameof(b));
        }

        int id = tape.Push(TriangularSolveOp.Instance, sb, li, bi);
        int n = sl[0], k = sb.Rank == 1 ? 1 : sb[1];
        ForwardSubstitute(tape.V(li), tape.V(bi), tape.V(id), n, k);
        return tape.Wrap(id);
    }

    /// <summary>X = L⁻¹B column by column (B and X are n × k row-major).</summary>
    private static void ForwardSubstitute(ReadOnlySpan<double> l, ReadOnlySpan<double> b, Span<double> x, int n, int k)
    {
        for (int c = 0; c < k; c++)
        {
            for (int i = 0; i < n; i++)
            {
                double s = b[(i * k) + c];
                for (int j = 0; j < i; j++)
                {
                    s -= l[(i * n) + j] * x[(j * k) + c];
                }

                x[(i * k) + c] = s / l[(i * n) + i];
            }
        }
    }

    private sealed class TriangularSolveOp : TapeOp
    {
        public static readonly TriangularSolveOp Instance = new();

        // B̄ = L⁻ᵀ X̄; L̄ = −tril(B̄ Xᵀ).
        public override void Backward(Tape tape, int id, in NodeRecord node)
        {
            double[]? gl = tape.G(node.In0), gb = tape.G(node.In1);
            ReadOnlySpan<double> l = tape.V(node.In0), x = tape.V(id), xbar = tape.G(id)!;
            int n = tape.Node(node.In0).Shape[0], k = node.Shape.Rank == 1 ? 1 : node.Shape[1];
            var bbar = tape.Scratch(0, n * k);
            for (int c = 0; c < k; c++)
            {
                for (int i = n - 1; i >= 0; i--)
                {
                    double s = xbar[(i * k) + c];
                    for (int j = i + 1; j < n; j++)
                    {
                        s -= l[(j * n) + i] * bbar[(j * k) + c];
                    }

                    bbar[(i * k) + c] = s / l[(i * n) + i];
                }
            }

            if (gb is not null)
            {
                for (int i = 0; i < bbar.Length; i++)
                {
                    gb[i] += bbar[i];
                }
            }

            if (gl is not null)
            {
                for (int i = 0; i < n; i++)
                {
                    for (int j = 0; j <= i; j++)
                    {
                        double s = 0;
                        for (int c = 0; c < k; c++)
                        {
                            s += bbar[(i * k) + c] * x[(j * k) + c];
                        }

                        gl[(i * n) + j] -= s;
                    }
                }
            }
        }
    }
}
