using System.Numerics.Tensors;
using Inference.Autodiff.Kernels;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>
    /// Matrix product. Supported shapes: [m,k]·[k,n] → [m,n] (batched rows × matrix);
    /// [b,m,k]·[k,n] → [b,m,n]; [m,k]·[k] → [m] (matrix × vector); [k]·[k,n] → [n]; [k]·[k] → scalar.
    /// </summary>
    public static Var MatMul(Var a, Var b)
    {
        var tape = TapeOf(a, b, nameof(a), nameof(b));
        int ai = tape.Check(a), bi = tape.Check(b);
        Shape sa = tape.Node(ai).Shape, sb = tape.Node(bi).Shape;
        if (sa.Rank == 1 && sb.Rank == 1)
        {
            return Dot(a, b);
        }

        int kA = sa.Rank == 0 ? -1 : sa[sa.Rank - 1];
        int kB = sb.Rank == 0 ? -1 : sb[0];
        if (sa.Rank == 0 || sb.Rank == 0 || sb.Rank > 2 || kA != kB)
        {
            throw new ArgumentException($"MatMul cannot multiply shapes {sa} and {sb}.", nameof(b));
        }

        Shape sy;
        int kind;
        if (sb.Rank == 1)
        {
            if (sa.Rank != 2)
            {
                throw new ArgumentException($"MatMul cannot multiply shapes {sa} and {sb}.", nameof(b));
            }

            sy = Shape.Vector(sa[0]);
            kind = MatVec;
        }
        else if (sa.Rank == 1)
        {
            sy = Shape.Vector(sb[1]);
            kind = VecMat;
        }
        else
        {
            sy = sa.Rank == 2 ? Shape.Matrix(sa[0], sb[1]) : Shape.Of(sa[0], sa[1], sb[1]);
            kind = MatMat;
        }

        int id = tape.Push(MatMulOp.Instance, sy, ai, bi);
        tape.Node(id).I0 = kind;
        ReadOnlySpan<double> av = tape.V(ai), bv = tape.V(bi);
        Span<double> y = tape.V(id);
        int k = kA;
        switch (kind)
        {
            case MatVec:
                MatMulKernel.Gemv(av, bv, y, sa[0], k, accumulate: false);
                break;
            case VecMat:
                y.Clear();
                MatMulKernel.GemvTransposedAccumulate(bv, av, y, k, sb[1]);
                break;
            default:
                int m = sa.Length / k;
                MatMulKernel.Gemm(av, k, 1, bv, y, m, k, sb[1], accumulate: false);
                break;
        }

        return tape.Wrap(id);
    }

    private const int MatMat = 0;
    private const int MatVec = 1;
    private const int VecMat = 2;

    private sealed class MatMulOp : IOp
    {
        public static readonly MatMulOp Instance = new();

        public void Backward(Tape tape, int id, in NodeRecord node)
        {
            Shape sa = tape.Node(node.In0).Shape, sb = tape.Node(node.In1).Shape;
            ReadOnlySpan<double> a = tape.V(node.In0), b = tape.V(node.In1), g = tape.G(id)!;
            int k = sa[sa.Rank - 1];
            bool matMat = node.I0 == MatMat;
            bool freshA = false, freshB = false;
            double[]? ga = matMat ? tape.GFresh(node.In0, out freshA) : tape.G(node.In0);
            double[]? gb = matMat ? tape.GFresh(node.In1, out freshB) : tape.G(node.In1);
            switch (node.I0)
            {
                case MatVec:
                {
                    int m = sa[0];
                    if (ga is not null)
                    {
                        // dA[i,:] += g[i]·x
                        for (int i = 0; i < m; i++)
                        {
                            var row = ga.AsSpan(i * k, k);
                            TensorPrimitives.MultiplyAdd(b, g[i], row, row);
                        }
                    }

                    if (gb is not null)
                    {
                        MatMulKernel.GemvTransposedAccumulate(a, g, gb, m, k);
                    }

                    break;
                }

                case VecMat:
                {
                    int n = sb[1];
                    if (ga is not null)
                    {
                        // dx[p] += B[p,:]·g
                        MatMulKernel.Gemv(b, g, ga, k, n, accumulate: true);
                    }

                    if (gb is not null)
                    {
                        for (int p = 0; p < k; p++)
                        {
                            var row = gb.AsSpan(p * n, n);
                            TensorPrimitives.MultiplyAdd(g, a[p], row, row);
                        }
                    }

                    break;
                }

                default:
                {
                    int n = sb[1], m = sa.Length / k;
                    if (ga is not null)
                    {
                        // dA[m,k] += dC[m,n]·Bᵀ, with Bᵀ materialized once (B is the small operand).
                        var bt = tape.Scratch(0, k * n);
                        MatMulKernel.Transpose(b, bt, k, n);
                        MatMulKernel.Gemm(g, n, 1, bt, ga, m, n, k, accumulate: !freshA);
                    }

                    if (gb is not null)
                    {
                        // dB[k,n] += Aᵀ·dC, reading A transposed through its strides.
                        MatMulKernel.Gemm(a, 1, k, g, gb, k, m, n, accumulate: !freshB);
                    }

                    break;
                }
            }
        }
    }
}
