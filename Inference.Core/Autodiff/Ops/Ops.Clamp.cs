using System.Numerics.Tensors;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>min(max(x, min), max) elementwise; the gradient is 1 where min ≤ x ≤ max and 0 outside.</summary>
    public static Var Clamp(Var x, double min, double max)
    {
        if (!(min <= max))
        {
            throw new ArgumentException($"Clamp needs min ≤ max; got min = {min}, max = {max}.", nameof(min));
        }

        return Unary(ClampOp.Instance, x, nameof(x), min, max);
    }

    private sealed class ClampOp : UnaryOp
    {
        public static readonly ClampOp Instance = new();

        public override void Forward(Tape tape, ReadOnlySpan<double> x, Span<double> y, in NodeRecord node)
        {
            TensorPrimitives.Clamp(x, node.S0, node.S1, y);
        }

        protected override void Derivative(Tape tape, ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> d, in NodeRecord node)
        {
            for (int i = 0; i < x.Length; i++)
            {
                d[i] = x[i] >= node.S0 && x[i] <= node.S1 ? 1 : 0;
            }
        }
    }
}
