using System.Runtime.CompilerServices;
using Inference.Autodiff.Kernels;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>
    /// X = A⁻¹B for a square A [n, n] and B [n] or [n, k], by LU with partial pivoting. Gradients: B̄ = A⁻ᵀX̄ and
    /// Ā = −B̄Xᵀ. (A proximal residual flow keeps its weights orthogonal by Y ← 2Y(I + YᵀY)⁻¹ through it.)
    /// </summary>
    public static Var Solve(Var a, Var b)
    {
        var tape = TapeOf(a, b, nameof(a), nameof(b));
        int ai = tape.Check(a), bi = tape.Check(b);
        Shape sa = tape.Node(ai).Shape, sb = tape.Node(bi).Shape;
        if (sa.Rank != 2 || sa[0] != sa[1])
        {
            throw new ArgumentException($"Solve needs a square matrix A [n, n]; got shape {sa}.", nameof(a));
        }

        if (sb.Rank is < 1 or > 2 || sb[0] != sa[0])
        {
            throw new ArgumentException($"Solve needs B [{sa[0]}] or [{sa[0]}, k]; got shape {sb}.", nameof(b));
        }

        int n = sa[0], k = sb.Rank == 1 ? 1 : sb[1];
        int id = tape.Push(SolveOp.Instance, sb, ai, bi);
        var x = tape.V(id).AsSpan();
        tape.V(bi).CopyTo(x);
        var lu = tape.Scratch(0, n * n);
        Span<int> pivots = n <= 256 ? stackalloc int[n] : new int[n];
        tape.V(ai).CopyTo(lu);
        LuKernel.Factor(lu, n, pivots);
        LuKernel.Solve(lu, n, pivots, x, k);
        return tape.Wrap(id);
    }

    private sealed class SolveOp : TapeOp
    {
        public static readonly SolveOp Instance = new();

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Backward(Tape tape, int id, in NodeRecord node)
        {
            double[]? ga = tape.G(node.In0);
            double[]? gb = tape.G(node.In1);
            if (ga is null && gb is null)
            {
                return;
            }

            int n = tape.Node(node.In0).Shape[0], k = node.Shape.Rank == 1 ? 1 : node.Shape[1];
            ReadOnlySpan<double> a = tape.V(node.In0), x = tape.V(id), g = tape.G(id);
            // B̄ = A⁻ᵀ X̄: solve with the LU of Aᵀ
            var lu = tape.Scratch(0, n * n);
            MatMulKernel.Transpose(a, lu, n, n);
            Span<int> pivots = n <= 256 ? stackalloc int[n] : new int[n];
            LuKernel.Factor(lu, n, pivots);
            var bbar = tape.Scratch(1, n * k);
            g.CopyTo(bbar);
            LuKernel.Solve(lu, n, pivots, bbar, k);
            if (gb is not null)
            {
                for (int i = 0; i < bbar.Length; i++)
                {
                    gb[i] += bbar[i];
                }
            }

            if (ga is not null)
            {
                // Ā −= B̄ Xᵀ
                for (int i = 0; i < n; i++)
                {
                    for (int j = 0; j < n; j++)
                    {
                        double s = 0;
                        for (int c = 0; c < k; c++)
                        {
                            s += bbar[(i * k) + c] * x[(j * k) + c];
                        }

                        ga[(i * n) + j] -= s;
                    }
                }
            }
        }
    }
}
