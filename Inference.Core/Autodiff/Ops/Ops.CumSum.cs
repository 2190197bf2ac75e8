using System.Numerics.Tensors;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>Inclusive cumulative sum along the last axis: yₖ = Σ_{j≤k} xⱼ.</summary>
    public static Var CumSum(Var x)
    {
        var tape = TapeOf(x, nameof(x));
        int xi = tape.Check(x);
        var sx = tape.Node(xi).Shape;
        int id = tape.Push(CumSumOp.Instance, sx, xi);
        CumSumOp.Forward(tape, id, in tape.Node(id));
        return tape.Wrap(id);
    }

    private sealed class CumSumOp : TapeOp, IReplayable
    {
        public static readonly CumSumOp Instance = new();

        public static void Forward(Tape tape, int id, in NodeRecord node)
        {
            var sx = node.Shape;
            int n = sx.Rank == 0 ? 1 : sx[sx.Rank - 1];
            ReadOnlySpan<double> xv = tape.V(node.In0);
            Span<double> y = tape.V(id);
            for (int r = 0; r < xv.Length; r += n)
            {
                double s = 0;
                for (int k = 0; k < n; k++)
                {
                    s += xv[r + k];
                    y[r + k] = s;
                }
            }
        }

        public override void Replay(Tape tape, int id, ref NodeRecord node) => Forward(tape, id, in node);

        // dxₖ = Σ_{j≥k} gⱼ (reverse cumulative sum).
        public override void Backward(Tape tape, int id, in NodeRecord node)
        {
            double[]? gx = tape.G(node.In0);
            if (gx is null)
            {
                return;
            }

            ReadOnlySpan<double> g = tape.G(id)!;
            int n = node.Shape.Rank == 0 ? 1 : node.Shape[node.Shape.Rank - 1];
            for (int r = 0; r < g.Length; r += n)
            {
                double s = 0;
                for (int k = n - 1; k >= 0; k--)
                {
                    s += g[r + k];
                    gx[r + k] += s;
                }
            }
        }
    }
}
