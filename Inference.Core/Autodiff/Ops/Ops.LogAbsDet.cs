using System.Runtime.CompilerServices;
using Inference.Autodiff.Kernels;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>
    /// log|det A| of a square matrix A [n, n] (a scalar) or of each matrix of a batch [b, n, n] (a [b] vector), by LU with
    /// partial pivoting. Its gradient is ḡ·A⁻ᵀ. A singular matrix gives −∞ (and a non-finite gradient). A residual flow's
    /// exact log-determinant takes it of I + J for a batch of small Jacobians.
    /// </summary>
    public static Var LogAbsDet(Var a)
    {
        var tape = TapeOf(a, nameof(a));
        int ai = tape.Check(a);
        var sa = tape.Node(ai).Shape;
        if (sa.Rank is < 2 or > 3 || sa[sa.Rank - 1] != sa[sa.Rank - 2])
        {
            throw new ArgumentException($"LogAbsDet needs a square matrix [n, n] or a batch [b, n, n]; got shape {sa}.", nameof(a));
        }

        int n = sa[sa.Rank - 1], batch = sa.Rank == 3 ? sa[0] : 1;
        int id = tape.Push(LogAbsDetOp.Instance, sa.Rank == 3 ? Shape.Vector(batch) : Shape.Scalar, ai);
        ReadOnlySpan<double> av = tape.V(ai);
        Span<double> y = tape.V(id);
        var lu = tape.Scratch(0, n * n);
        Span<int> pivots = n <= 256 ? stackalloc int[n] : new int[n];
        for (int m = 0; m < batch; m++)
        {
            av.Slice(m * n * n, n * n).CopyTo(lu);
            y[m] = LuKernel.Factor(lu, n, pivots);
        }

        return tape.Wrap(id);
    }

    private sealed class LogAbsDetOp : TapeOp
    {
        public static readonly LogAbsDetOp Instance = new();

        // Ā += ḡ A⁻ᵀ: A⁻¹ from a fresh LU, added transposed
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Backward(Tape tape, int id, in NodeRecord node)
        {
            double[]? ga = tape.G(node.In0);
            if (ga is null)
            {
                return;
            }

            var sa = tape.Node(node.In0).Shape;
            int n = sa[sa.Rank - 1], batch = sa.Rank == 3 ? sa[0] : 1;
            ReadOnlySpan<double> av = tape.V(node.In0), g = tape.G(id);
            var lu = tape.Scratch(0, n * n);
            var inverse = tape.Scratch(1, n * n);
            Span<int> pivots = n <= 256 ? stackalloc int[n] : new int[n];
            for (int m = 0; m < batch; m++)
            {
                av.Slice(m * n * n, n * n).CopyTo(lu);
                LuKernel.Factor(lu, n, pivots);
                inverse.Clear();
                for (int i = 0; i < n; i++)
                {
                    inverse[(i * n) + i] = 1;
                }

                LuKernel.Solve(lu, n, pivots, inverse, n);
                var target = ga.AsSpan(m * n * n, n * n);
                double gm = g[m];
                for (int i = 0; i < n; i++)
                {
                    for (int j = 0; j < n; j++)
                    {
                        target[(i * n) + j] += gm * inverse[(j * n) + i];
                    }
                }
            }
        }
    }
}
