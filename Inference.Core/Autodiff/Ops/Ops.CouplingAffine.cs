using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using Inference.Autodiff.Kernels;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>
    /// An affine coupling's map in one node: y = x except the n columns from <paramref name="changeStart"/>, which
    /// become x_B ⊙ exp(<paramref name="scale"/> ⊙ t) + shift, the shift read from columns
    /// [<paramref name="shiftStart"/>, <paramref name="shiftStart"/> + n) of <paramref name="shift"/>. Shapes: x [b, D],
    /// t [b, n], scale [n], shift [b, s]. The passed columns are copied, not sliced and concatenated, and exp runs once
    /// forward and once backward.
    /// </summary>
    public static Var CouplingAffine(Var x, Var t, Var scale, Var shift, int changeStart, int shiftStart)
    {
        var tape = TapeOf(x, nameof(x));
        ReadOnlySpan<Var> inputs = [x, t, scale, shift];
        for (int j = 1; j < inputs.Length; j++)
        {
            if (!ReferenceEquals(inputs[j].Tape, tape))
            {
                throw new ArgumentException("The inputs of CouplingAffine are recorded on different tapes.", nameof(x));
            }
        }

        Shape sx = x.Shape, st = t.Shape, sc = scale.Shape, sh = shift.Shape;
        if (sx.Rank != 2 || st.Rank != 2 || sh.Rank != 2 || sc.Rank != 1 || st[0] != sx[0] || sh[0] != sx[0] || sc[0] != st[1])
        {
            throw new ArgumentException($"CouplingAffine needs x [b, D], t [b, n], scale [n] and shift [b, s]; got {sx}, {st}, {sc} and {sh}.", nameof(t));
        }

        int n = st[1];
        if (changeStart < 0 || changeStart + n > sx[1])
        {
            throw new ArgumentOutOfRangeException(nameof(changeStart), $"Columns [{changeStart}, {changeStart + n}) do not lie in a row of x (width {sx[1]}).");
        }

        if (shiftStart < 0 || shiftStart + n > sh[1])
        {
            throw new ArgumentOutOfRangeException(nameof(shiftStart), $"Columns [{shiftStart}, {shiftStart + n}) do not lie in a row of the shift (width {sh[1]}).");
        }

        int start = tape.PushInputs(inputs);
        var ids = tape.Inputs(start, inputs.Length);
        int id = tape.Push(CouplingAffineOp.Instance, sx, -1, -1, -1, tape.AnyRequiresGrad(ids));
        ref NodeRecord node = ref tape.Node(id);
        node.I0 = changeStart;
        node.I1 = start;
        node.I2 = shiftStart;
        CouplingAffineOp.Forward(tape, ids, tape.V(id), changeStart, shiftStart);
        return tape.Wrap(id);
    }

    private sealed class CouplingAffineOp : TapeOp
    {
        public static readonly CouplingAffineOp Instance = new();

        // e = exp(scale ⊙ t) over the batch
        private static void ExpOfLogScales(ReadOnlySpan<double> t, ReadOnlySpan<double> scale, Span<double> e)
        {
            int n = scale.Length;
            for (int r = 0; r < t.Length / n; r++)
            {
                RowMath.Multiply(t.Slice(r * n, n), scale, e.Slice(r * n, n));
            }

            TensorPrimitives.Exp(e, e);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Forward(Tape tape, ReadOnlySpan<int> ids, Span<double> y, int changeStart, int shiftStart)
        {
            ReadOnlySpan<double> x = tape.V(ids[0]), t = tape.V(ids[1]), scale = tape.V(ids[2]), shift = tape.V(ids[3]);
            Shape sx = tape.Node(ids[0]).Shape;
            int d = sx[1], rows = sx[0], n = scale.Length, s = tape.Node(ids[3]).Shape[1];
            var e = tape.Scratch(0, rows * n);
            ExpOfLogScales(t, scale, e);
            for (int r = 0; r < rows; r++)
            {
                int row = r * d;
                x.Slice(row, d).CopyTo(y.Slice(row, d));
                RowMath.MultiplyAdd(x.Slice(row + changeStart, n), e.Slice(r * n, n), shift.Slice((r * s) + shiftStart, n), y.Slice(row + changeStart, n));
            }
        }

        // with e = exp(scale ⊙ t) and q = ȳ_B ⊙ x_B ⊙ e: x̄ += ȳ off the changed columns and ȳ_B ⊙ e on them, shift̄ += ȳ_B
        // on its columns, t̄ += q ⊙ scale, scalē += Σ_rows q ⊙ t. This node is usually the first to reach x̄, shift̄ and t̄ in
        // the backward pass, so it assigns what it reaches first instead of clearing and adding.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Backward(Tape tape, int id, in NodeRecord node)
        {
            var ids = tape.Inputs(node.I1, 4);
            ReadOnlySpan<double> x = tape.V(ids[0]), t = tape.V(ids[1]), scale = tape.V(ids[2]), gy = tape.G(id);
            Shape sx = tape.Node(ids[0]).Shape;
            int d = sx[1], rows = sx[0], n = scale.Length, s = tape.Node(ids[3]).Shape[1], changeStart = node.I0, shiftStart = node.I2;
            // one variable passed as two inputs gets both contributions added (assigning one would drop the other)
            bool aliased = ids[0] == ids[1] || ids[0] == ids[2] || ids[0] == ids[3] || ids[1] == ids[2] || ids[1] == ids[3] || ids[2] == ids[3];
            bool assignX = false, assignT = false, assignH = false;
            Span<double> gx = aliased ? tape.G(ids[0]) : tape.GFresh(ids[0], out assignX);
            Span<double> gt = aliased ? tape.G(ids[1]) : tape.GFresh(ids[1], out assignT);
            Span<double> gc = tape.G(ids[2]);
            Span<double> gh = aliased ? tape.G(ids[3]) : tape.GFresh(ids[3], out assignH);
            var e = tape.Scratch(0, rows * n);
            var q = tape.Scratch(1, rows * n);
            ExpOfLogScales(t, scale, e);
            for (int r = 0; r < rows; r++)
            {
                int row = r * d, changed = row + changeStart, er = r * n;
                var gyB = gy.Slice(changed, n);
                var eR = e.Slice(er, n);
                if (!gx.IsEmpty)
                {
                    RowMath.Accumulate(gy.Slice(row, changeStart), gx.Slice(row, changeStart), assignX);
                    RowMath.MultiplyAccumulate(gyB, eR, gx.Slice(changed, n), assignX);
                    int after = changeStart + n;
                    RowMath.Accumulate(gy.Slice(row + after, d - after), gx.Slice(row + after, d - after), assignX);
                }

                if (!gh.IsEmpty)
                {
                    var ghRow = gh.Slice(r * s, s);
                    if (assignH)
                    {
                        ghRow[..shiftStart].Clear();
                        ghRow[(shiftStart + n)..].Clear();
                    }

                    RowMath.Accumulate(gyB, ghRow.Slice(shiftStart, n), assignH);
                }

                if (!gt.IsEmpty || !gc.IsEmpty)
                {
                    var qR = q.Slice(er, n);
                    RowMath.Multiply(gyB, eR, qR);
                    RowMath.Multiply(qR, x.Slice(changed, n), qR);
                    if (!gt.IsEmpty)
                    {
                        RowMath.MultiplyAccumulate(qR, scale, gt.Slice(er, n), assignT);
                    }

                    if (!gc.IsEmpty)
                    {
                        RowMath.MultiplyAccumulate(qR, t.Slice(er, n), gc, assign: false);
                    }
                }
            }
        }
    }
}
