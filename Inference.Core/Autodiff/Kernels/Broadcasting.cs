using System.Numerics.Tensors;

namespace Inference.Autodiff.Kernels;

/// <summary>The elementwise binary operations the broadcasting driver knows.</summary>
internal enum BinaryKind
{
    Add,
    Subtract,
    Multiply,
    Divide,
    Pow,
}

/// <summary>
/// NumPy-style broadcasting for tensors of rank ≤ 3: shapes are aligned on the right and an axis of
/// size 1 stretches. Work is done row by row (innermost axis) with TensorPrimitives.
/// </summary>
internal static class Broadcasting
{
    /// <summary>The broadcast result shape of <paramref name="a"/> and <paramref name="b"/>.</summary>
    public static Shape ResultShape(Shape a, Shape b, string paramName)
    {
        if (a == b)
        {
            return a;
        }

        int rank = Math.Max(a.Rank, b.Rank);
        Span<int> dims = stackalloc int[rank];
        for (int k = 0; k < rank; k++)
        {
            int da = k < a.Rank ? a[a.Rank - 1 - k] : 1;
            int db = k < b.Rank ? b[b.Rank - 1 - k] : 1;
            if (da != db && da != 1 && db != 1)
            {
                throw new ArgumentException($"Shapes {a} and {b} cannot be broadcast together.", paramName);
            }

            dims[rank - 1 - k] = da == 1 ? db : da;
        }

        return Shape.Of(dims);
    }

    /// <summary>y = a ∘ b with broadcasting; <paramref name="sy"/> must be the broadcast shape.</summary>
    public static void Binary(BinaryKind kind, ReadOnlySpan<double> a, Shape sa, ReadOnlySpan<double> b, Shape sb, Span<double> y, Shape sy)
    {
        if (sa == sy && sb == sy)
        {
            Row(kind, a, b, y);
            return;
        }

        if (sb.Length == 1 && sa == sy)
        {
            RowScalarRight(kind, a, b[0], y);
            return;
        }

        if (sa.Length == 1 && sb == sy)
        {
            RowScalarLeft(kind, a[0], b, y);
            return;
        }

        var (a0, a1, a2) = sa.Padded;
        var (b0, b1, b2) = sb.Padded;
        var (o0, o1, o2) = sy.Padded;
        if (o2 < ShortRow && a2 == o2 && b2 == o2)
        {
            ShortRows(kind, a, sa, b, sb, y, sy);
            return;
        }

        for (int i0 = 0; i0 < o0; i0++)
        {
            for (int i1 = 0; i1 < o1; i1++)
            {
                int ao = (((a0 == 1 ? 0 : i0) * a1) + (a1 == 1 ? 0 : i1)) * a2;
                int bo = (((b0 == 1 ? 0 : i0) * b1) + (b1 == 1 ? 0 : i1)) * b2;
                var yRow = y.Slice(((i0 * o1) + i1) * o2, o2);
                if (a2 == o2 && b2 == o2)
                {
                    Row(kind, a.Slice(ao, o2), b.Slice(bo, o2), yRow);
                }
                else if (a2 == o2)
                {
                    RowScalarRight(kind, a.Slice(ao, o2), b[bo], yRow);
                }
                else
                {
                    // Only a is stretched along the inner axis (if both were, o2 would be 1).
                    RowScalarLeft(kind, a[ao], b.Slice(bo, o2), yRow);
                }
            }
        }
    }

    /// <summary>
    /// grad += contribution summed over the axes along which <paramref name="sg"/> was broadcast to <paramref name="sy"/>.
    /// </summary>
    public static void AccumulateReduced(ReadOnlySpan<double> contribution, Shape sy, Span<double> grad, Shape sg)
    {
        if (sg == sy)
        {
            TensorPrimitives.Add(grad, contribution, grad);
            return;
        }

        if (sg.Length == 1)
        {
            grad[0] += TensorPrimitives.Sum(contribution);
            return;
        }

        var (g0, g1, g2) = sg.Padded;
        var (o0, o1, o2) = sy.Padded;
        if (o2 < ShortRow && g2 == o2)
        {
            // short rows (a per-coordinate vector over a batch of a few coordinates): plain loops, no call per row
            for (int i0 = 0; i0 < o0; i0++)
            {
                for (int i1 = 0; i1 < o1; i1++)
                {
                    int go = (((g0 == 1 ? 0 : i0) * g1) + (g1 == 1 ? 0 : i1)) * g2;
                    int co = ((i0 * o1) + i1) * o2;
                    for (int j = 0; j < o2; j++)
                    {
                        grad[go + j] += contribution[co + j];
                    }
                }
            }

            return;
        }

        for (int i0 = 0; i0 < o0; i0++)
        {
            for (int i1 = 0; i1 < o1; i1++)
            {
                int go = (((g0 == 1 ? 0 : i0) * g1) + (g1 == 1 ? 0 : i1)) * g2;
                var cRow = contribution.Slice(((i0 * o1) + i1) * o2, o2);
                if (g2 == o2)
                {
                    var gRow = grad.Slice(go, o2);
                    TensorPrimitives.Add(gRow, cRow, gRow);
                }
                else
                {
                    grad[go] += TensorPrimitives.Sum(cRow);
                }
            }
        }
    }

    // Rows shorter than this are done in plain loops: a TensorPrimitives call per row of 5 costs more than the row.
    private const int ShortRow = 16;

    // y = a ∘ b over rows shorter than ShortRow, both operands full along the inner axis (one stretched over rows)
    private static void ShortRows(BinaryKind kind, ReadOnlySpan<double> a, Shape sa, ReadOnlySpan<double> b, Shape sb, Span<double> y, Shape sy)
    {
        var (a0, a1, _) = sa.Padded;
        var (b0, b1, _) = sb.Padded;
        var (o0, o1, o2) = sy.Padded;
        for (int i0 = 0; i0 < o0; i0++)
        {
            for (int i1 = 0; i1 < o1; i1++)
            {
                var ar = a.Slice((((a0 == 1 ? 0 : i0) * a1) + (a1 == 1 ? 0 : i1)) * o2, o2);
                var br = b.Slice((((b0 == 1 ? 0 : i0) * b1) + (b1 == 1 ? 0 : i1)) * o2, o2);
                var yr = y.Slice(((i0 * o1) + i1) * o2, o2);
                switch (kind)
                {
                    case BinaryKind.Add:
                        for (int j = 0; j < yr.Length; j++)
                        {
                            yr[j] = ar[j] + br[j];
                        }

                        break;
                    case BinaryKind.Subtract:
                        for (int j = 0; j < yr.Length; j++)
                        {
                            yr[j] = ar[j] - br[j];
                        }

                        break;
                    case BinaryKind.Multiply:
                        for (int j = 0; j < yr.Length; j++)
                        {
                            yr[j] = ar[j] * br[j];
                        }

                        break;
                    case BinaryKind.Divide:
                        for (int j = 0; j < yr.Length; j++)
                        {
                            yr[j] = ar[j] / br[j];
                        }

                        break;
                    default:
                        for (int j = 0; j < yr.Length; j++)
                        {
                            yr[j] = Math.Pow(ar[j], br[j]);
                        }

                        break;
                }
            }
        }
    }

    private static void Row(BinaryKind kind, ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y)
    {
        switch (kind)
        {
            case BinaryKind.Add: TensorPrimitives.Add(a, b, y); break;
            case BinaryKind.Subtract: TensorPrimitives.Subtract(a, b, y); break;
            case BinaryKind.Multiply: TensorPrimitives.Multiply(a, b, y); break;
            case BinaryKind.Divide: TensorPrimitives.Divide(a, b, y); break;
            default: TensorPrimitives.Pow(a, b, y); break;
        }
    }

    private static void RowScalarRight(BinaryKind kind, ReadOnlySpan<double> a, double b, Span<double> y)
    {
        switch (kind)
        {
            case BinaryKind.Add: TensorPrimitives.Add(a, b, y); break;
            case BinaryKind.Subtract: TensorPrimitives.Subtract(a, b, y); break;
            case BinaryKind.Multiply: TensorPrimitives.Multiply(a, b, y); break;
            case BinaryKind.Divide: TensorPrimitives.Divide(a, b, y); break;
            default: TensorPrimitives.Pow(a, b, y); break;
        }
    }

    private static void RowScalarLeft(BinaryKind kind, double a, ReadOnlySpan<double> b, Span<double> y)
    {
        switch (kind)
        {
            case BinaryKind.Add: TensorPrimitives.Add(b, a, y); break;
            case BinaryKind.Subtract: TensorPrimitives.Subtract(a, b, y); break;
            case BinaryKind.Multiply: TensorPrimitives.Multiply(b, a, y); break;
            case BinaryKind.Divide: TensorPrimitives.Divide(a, b, y); break;
            default: TensorPrimitives.Pow(a, b, y); break;
        }
    }
}
