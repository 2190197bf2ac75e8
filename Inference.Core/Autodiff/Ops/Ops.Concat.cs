using System.Numerics.Tensors;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>
    /// Joins tensors along <paramref name="axis"/>; all other axes must agree. Scalars join vectors (or other scalars) as
    /// vectors of length 1: <c>Concat([first, rest])</c> puts a scalar in front of a vector.
    /// </summary>
    public static Var Concat(ReadOnlySpan<Var> parts, int axis = -1)
    {
        if (parts.Length == 0)
        {
            throw new ArgumentException("Concat needs at least one tensor.", nameof(parts));
        }

        var tape = TapeOf(parts[0], nameof(parts));
        bool anyScalar = false;
        foreach (var p in parts)
        {
            if (p.Tape is not null && ReferenceEquals(p.Tape, tape) && tape.ShapeOf(p).Rank == 0)
            {
                anyScalar = true;
                break;
            }
        }

        if (anyScalar)
        {
            return ConcatWithScalars(tape, parts, axis);
        }

        var s0 = tape.ShapeOf(parts[0]);

        int a = s0.NormalizeAxis(axis, nameof(axis));
        int total = 0;
        for (int j = 0; j < parts.Length; j++)
        {
            if (!ReferenceEquals(parts[j].Tape, tape))
            {
                throw new ArgumentException($"Part {j} is recorded on another tape. {Tape.OtherTapeHint}", nameof(parts));
            }

            var sj = tape.ShapeOf(parts[j]);
            if (sj.Rank != s0.Rank || sj.WithAxis(a, 0) != s0.WithAxis(a, 0))
            {
                throw new ArgumentException($"Part {j} has shape {sj}, incompatible with {s0} for concatenation along axis {a}.", nameof(parts));
            }

            total += sj[a];
        }

        int start = tape.PushInputs(parts);
        var ids = tape.Inputs(start, parts.Length);
        var sy = s0.WithAxis(a, total);
        int id = tape.Push(ConcatOp.Instance, sy, -1, -1, -1, tape.AnyRequiresGrad(ids));
        ref NodeRecord n = ref tape.Node(id);
        n.I0 = a;
        n.I1 = start;
        n.I2 = parts.Length;
        ConcatOp.Forward(tape, id, in n);
        return tape.Wrap(id);
    }

    // scalars become length-1 vectors (aliases, no copy); the pooled list allocates nothing after warm-up
    private static Var ConcatWithScalars(Tape tape, ReadOnlySpan<Var> parts, int axis)
    {
        var list = System.Buffers.ArrayPool<Var>.Shared.Rent(parts.Length);
        try
        {
            for (int j = 0; j < parts.Length; j++)
            {
                var p = parts[j];
                if (!ReferenceEquals(p.Tape, tape))
                {
                    throw new ArgumentException($"Part {j} is recorded on another tape. {Tape.OtherTapeHint}", nameof(parts));
                }

                var sj = tape.ShapeOf(p);
                if (sj.Rank > 1)
                {
                    throw new ArgumentException($"Part {j} has shape {sj}: scalars join only vectors and scalars.", nameof(parts));
                }

                list[j] = sj.Rank == 0 ? Reshape(p, Shape.Vector(1)) : p;
            }

            if (axis is not (0 or -1))
            {
                throw new ArgumentOutOfRangeException(nameof(axis), axis, "Scalars and vectors join along axis 0 (or −1).");
            }

            return Concat(list.AsSpan(0, parts.Length), 0);
        }
        finally
        {
            Array.Clear(list, 0, parts.Length);
            System.Buffers.ArrayPool<Var>.Shared.Return(list);
        }
    }

    private sealed class ConcatOp : TapeOp, IReplayable
    {
        public static readonly ConcatOp Instance = new();

        // the I2 inputs listed from I1, joined along axis I0
        public static void Forward(Tape tape, int id, in NodeRecord node)
        {
            int a = node.I0;
            var sy = node.Shape;
            int total = sy[a];
            Span<double> y = tape.V(id);
            var (outer, _, inner) = sy.AroundAxis(a);
            int offset = 0;
            foreach (int pid in tape.Inputs(node.I1, node.I2))
            {
                int block = tape.Node(pid).Shape[a] * inner;
                ReadOnlySpan<double> pv = tape.V(pid);
                for (int o = 0; o < outer; o++)
                {
                    pv.Slice(o * block, block).CopyTo(y.Slice((o * total * inner) + offset, block));
                }

                offset += block;
            }
        }

        public override void Replay(Tape tape, int id, ref NodeRecord node) => Forward(tape, id, in node);

        public override void Backward(Tape tape, int id, in NodeRecord node)
        {
            ReadOnlySpan<double> g = tape.G(id)!;
            var (outer, total, inner) = node.Shape.AroundAxis(node.I0);
            int offset = 0;
            foreach (int pid in tape.Inputs(node.I1, node.I2))
            {
                int block = tape.Node(pid).Shape[node.I0] * inner;
                double[]? gp = tape.GFresh(pid, out bool fresh);
                if (gp is not null)
                {
                    for (int o = 0; o < outer; o++)
                    {
                        var dst = gp.AsSpan(o * block, block);
                        var src = g.Slice((o * total * inner) + offset, block);
                        if (fresh)
                        {
                            src.CopyTo(dst);
                        }
                        else
                        {
                            TensorPrimitives.Add(dst, src, dst);
                        }
                    }
                }

                offset += block;
            }
        }
    }
}
