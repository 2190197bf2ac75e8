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
        if (tape.HasBatched && (tape.IsBatched(ai) || tape.IsBatched(bi)))
        {
            return BatchedMatMul(tape, a, b, ai, bi, sa, sb);
        }

        if (sa.Rank == 1 && sb.Rank == 1)
        {
            return Dot(a, b);
        }

        return MatMulCore(tape, ai, bi, sa, sb, nameof(b));
    }

    private static Var MatMulCore(Tape tape, int ai, int bi, Shape sa, Shape sb, string paramName)
    {
        int kA = sa.Rank == 0 ? -1 : sa[sa.Rank - 1];
        int kB = sb.Rank == 0 ? -1 : sb[0];
        if (sa.Rank == 0 || sb.Rank == 0 || sb.Rank > 2 || kA != kB)
        {
            throw new ArgumentException($"MatMul cannot multiply shapes {sa} and {sb}.", paramName);
        }

        Shape sy;
        int kind;
        if (sb.Rank == 1)
        {
            if (sa.Rank != 2)
            {
                throw new ArgumentException($"MatMul cannot multiply shapes {sa} and {sb}.", paramName);
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
        MatMulOp.Forward(tape, id, in tape.Node(id), sa, sb);
        return tape.Wrap(id);
    }

    // A batch of points through a product: rows of the batched operand are points, so a batched vector times a matrix
    // (or vector) is the plain product of the [batch, k] block, and a matrix times a batched vector, X·β for every β, is
    // the batch's rows against X's rows, β·Xᵀ, one fused node (Linear with a zero bias) with no transposed copy of X.
    private static Var BatchedMatMul(Tape tape, Var a, Var b, int ai, int bi, Shape sa, Shape sb)
    {
        bool ba = tape.IsBatched(ai), bb = tape.IsBatched(bi);
        if (ba && !bb && sa.Rank >= 2)
        {
            if (sa.Rank == 3 && sb.Rank == 1)
            {
                throw new BatchNotSupportedException("MatMul of a batch of matrices by a vector cannot take a batch of points in one pass.");
            }

            // [batch, k]·[k, n], [batch, k]·[k] and [batch, m, k]·[k, n] mean what they mean per point
            return MatMulCore(tape, ai, bi, sa, sb, nameof(b));
        }

        if (bb && !ba && sa.Rank == 2 && sb.Rank == 2)
        {
            if (sa[1] != sb[1])
            {
                throw new ArgumentException($"MatMul cannot multiply shapes {sa} and {Batching.Inner(sb)}.", nameof(b));
            }

            return Linear(b, a, tape.Zeros(Shape.Vector(sa[0])));
        }

        throw new BatchNotSupportedException($"MatMul of {(ba ? "a batched " : "")}{sa} by {(bb ? "a batched " : "")}{sb} cannot take a batch of points in one pass.");
    }

    private const int MatMat = 0;
    private const int MatVec = 1;
    private const int VecMat = 2;

    private sealed class MatMulOp : TapeOp, IBatchAware, IReplayable
    {
        public static readonly MatMulOp Instance = new();

        // the product of kind I0 (MatVec, VecMat or MatMat) of the inputs, whose shapes are sa and sb
        public static void Forward(Tape tape, int id, in NodeRecord node, Shape sa, Shape sb)
        {
            ReadOnlySpan<double> av = tape.V(node.In0), bv = tape.V(node.In1);
            Span<double> y = tape.V(id);
            int k = sa[sa.Rank - 1];
            switch (node.I0)
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
        }

        public override void Replay(Tape tape, int id, ref NodeRecord node) =>
            Forward(tape, id, in node, tape.Node(node.In0).Shape, tape.Node(node.In1).Shape);

        public override void Backward(Tape tape, int id, in NodeRecord node)
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
