namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>
    /// The lower Cholesky factor L of a symmetric positive-definite matrix (A = LLᵀ). Only the lower triangle
    /// of A is read, so gradients flow to it alone. A matrix that is not positive definite gives NaN entries
    /// (a rejection for a sampler, not an exception).
    /// </summary>
    public static Var Cholesky(Var a)
    {
        var tape = TapeOf(a, nameof(a));
        int ai = tape.Check(a);
        var sa = tape.Node(ai).Shape;
        if (sa.Rank != 2 || sa[0] != sa[1])
        {
            throw new ArgumentException($"Cholesky needs a square matrix; got shape {sa}.", nameof(a));
        }

        int n = sa[0];
        int id = tape.Push(CholeskyOp.Instance, sa, ai);
        ReadOnlySpan<double> av = tape.V(ai);
        Span<double> l = tape.V(id);
        l.Clear();
        for (int j = 0; j < n; j++)
        {
            double d = av[(j * n) + j];
            for (int k = 0; k < j; k++)
            {
                d -= l[(j * n) + k] * l[(j * n) + k];
            }

            if (!(d > 0))
            {
                l.Fill(double.NaN);
                return tape.Wrap(id);
            }

            double ljj = Math.Sqrt(d);
            l[(j * n) + j] = ljj;
            for (int i = j + 1; i < n; i++)
            {
                double s = av[(i * n) + j];
                for (int k = 0; k < j; k++)
                {
                    s -= l[(i * n) + k] * l[(j * n) + k];
                }

                l[(i * n) + j] = s / ljj;
            }
        }

        return tape.Wrap(id);
    }

    private sealed class CholeskyOp : TapeOp
    {
        public static readonly CholeskyOp Instance = new();

        // With P = Φ(Lᵀ L̄) (lower triangle, diagonal halved) and S = L⁻ᵀ P L⁻¹, the adjoint of the lower
        // triangle of A is Āᵢⱼ = Sᵢⱼ + Sⱼᵢ below the diagonal and Sᵢᵢ on it (Murray 2016).
        public override void Backward(Tape tape, int id, in NodeRecord node)
        {
            double[]? ga = tape.G(node.In0);
            if (ga is null)
            {
                return;
            }

            int n = node.Shape[0];
            ReadOnlySpan<double> l = tape.V(id), lbar = tape.G(id)!;
            var p = tape.Scratch(0, n * n);
            // P = Φ(Lᵀ L̄)
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j <= i; j++)
                {
                    double s = 0;
                    for (int k = i; k < n; k++)
                    {
                        s += l[(k * n) + i] * lbar[(k * n) + j];
                    }

                    p[(i * n) + j] = i == j ? 0.5 * s : s;
                }

                for (int j = i + 1; j < n; j++)
                {
                    p[(i * n) + j] = 0;
                }
            }

            // S = L⁻ᵀ P L⁻¹ by two triangular solves: X = L⁻ᵀ P, then Sᵀ = L⁻ᵀ Xᵀ.
            SolveUpperTransposed(l, p, n);
            Transpose(p, n);
            SolveUpperTransposed(l, p, n);
            // p now holds Sᵀ
            for (int i = 0; i < n; i++)
            {
                ga[(i * n) + i] += p[(i * n) + i];
                for (int j = 0; j < i; j++)
                {
                    ga[(i * n) + j] += p[(i * n) + j] + p[(j * n) + i];
                }
            }
        }

        /// <summary>B ← L⁻ᵀ B (in place, every column), for lower-triangular L.</summary>
        private static void SolveUpperTransposed(ReadOnlySpan<double> l, Span<double> b, int n)
        {
            for (int c = 0; c < n; c++)
            {
                for (int i = n - 1; i >= 0; i--)
                {
                    double s = b[(i * n) + c];
                    for (int k = i + 1; k < n; k++)
                    {
                        s -= l[(k * n) + i] * b[(k * n) + c];
                    }

                    b[(i * n) + c] = s / l[(i * n) + i];
                }
            }
        }

        private static void Transpose(Span<double> m, int n)
        {
            for (int i = 0; i < n; i++)
            {
                for (int j = i + 1; j < n; j++)
                {
                    (m[(i * n) + j], m[(j * n) + i]) = (m[(j * n) + i], m[(i * n) + j]);
                }
            }
        }
    }
}
