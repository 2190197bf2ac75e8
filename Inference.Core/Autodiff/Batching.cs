namespace Inference.Autodiff;

/// <summary>
/// Shapes of batched values (a leading axis of independent points, see <see cref="Tape.BatchedVariable"/>): the inner
/// shape is what the model body means (a scalar parameter is [batch], a vector one [batch, k]), and binary ops line the
/// inner shapes up on the right with the batch axes matched, so that a scalar per point broadcasts over a vector per point.
/// </summary>
internal static class Batching
{
    /// <summary>The shape without its batch axis.</summary>
    public static Shape Inner(Shape s) => s.Rank switch
    {
        1 => Shape.Scalar,
        2 => Shape.Vector(s[1]),
        3 => Shape.Matrix(s[1], s[2]),
        _ => throw new BatchNotSupportedException("A batched value needs its batch axis."),
    };

    /// <summary>[rows, ...inner].</summary>
    public static Shape WithBatch(int rows, Shape inner) => inner.Rank switch
    {
        0 => Shape.Vector(rows),
        1 => Shape.Matrix(rows, inner[0]),
        2 => Shape.Of(rows, inner[0], inner[1]),
        _ => throw new BatchNotSupportedException($"A batch of values of shape {inner} would need rank 4; tensors have rank 0 to 3."),
    };

    /// <summary>A batched shape viewed so that it broadcasts (NumPy-style) to the batched <paramref name="target"/>.</summary>
    public static Shape ViewFor(Shape batched, Shape target) => Padded(batched[0], Inner(batched), Math.Max(target.Rank - 1, Inner(batched).Rank));

    /// <summary>The inner shape padded on the left with ones to <paramref name="rank"/>, with the batch axis in front.</summary>
    private static Shape Padded(int rows, Shape inner, int rank)
    {
        Span<int> dims = stackalloc int[rank + 1];
        dims[0] = rows;
        for (int k = 0; k < rank; k++)
        {
            dims[rank - k] = k < inner.Rank ? inner[inner.Rank - 1 - k] : 1;
        }

        return Shape.Of(dims);
    }

    /// <summary>
    /// Lines up the operands of a broadcasting binary op when either is batched: a batched operand is viewed as
    /// [rows, 1…, inner] so that its inner shape aligns on the right with the other's, and an unbatched one broadcasts
    /// over the batch axis as it is.
    /// </summary>
    public static void Align(Tape tape, ref int ai, ref Shape sa, ref int bi, ref Shape sb)
    {
        bool ba = tape.IsBatched(ai), bb = tape.IsBatched(bi);
        int rows = ba ? sa[0] : sb[0];
        if (ba && bb && sa[0] != sb[0])
        {
            throw new ArgumentException($"Batched operands have {sa[0]} and {sb[0]} rows.", nameof(sb));
        }

        Shape ia = ba ? Inner(sa) : sa, ib = bb ? Inner(sb) : sb;
        int rank = Math.Max(ia.Rank, ib.Rank);
        if (rank > 2)
        {
            throw new BatchNotSupportedException($"A batched op on shapes {ia} and {ib} would need rank 4.");
        }

        if (ba)
        {
            var view = Padded(rows, ia, rank);
            if (view != sa)
            {
                ai = Ops.View(tape, ai, view);
                sa = view;
            }
        }

        if (bb)
        {
            var view = Padded(rows, ib, rank);
            if (view != sb)
            {
                bi = Ops.View(tape, bi, view);
                sb = view;
            }
        }
    }

    /// <summary>An axis of the inner shape (negative counts from the end) as an axis of the batched shape.</summary>
    public static int Axis(Shape batched, int axis, string paramName) => Inner(batched).NormalizeAxis(axis, paramName) + 1;
}
