namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>cos x elementwise (angles: the von Mises density); its derivative is −sin x.</summary>
    public static Var Cos(Var x) => Unary(CosOp.Instance, x, nameof(x));

    private sealed class CosOp : UnaryOp
    {
        public static readonly CosOp Instance = new();

        public override void Forward(Tape tape, ReadOnlySpan<double> x, Span<double> y, in NodeRecord node) =>
            System.Numerics.Tensors.TensorPrimitives.Cos(x, y);

        protected override void Derivative(Tape tape, ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> d, in NodeRecord node)
        {
            System.Numerics.Tensors.TensorPrimitives.Sin(x, d);
            System.Numerics.Tensors.TensorPrimitives.Negate(d, d);
        }
    }
}
