namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>Mean of all elements (a scalar).</summary>
    public static Var Mean(Var x)
    {
        var tape = TapeOf(x, nameof(x));
        int n = tape.ShapeOf(x).Length;
        if (tape.IsBatched(tape.Check(x)))
        {
            n /= Math.Max(tape.ShapeOf(x)[0], 1);   // the mean of each point's elements
        }

        if (n == 0)
        {
            throw new ArgumentException("The mean of an empty tensor is undefined.", nameof(x));
        }

        return ReduceAll(x, 1.0 / n, nameof(x));
    }

    /// <summary>Mean along <paramref name="axis"/> (negative counts from the end); the axis is removed.</summary>
    public static Var Mean(Var x, int axis) => ReduceAxis(x, axis, mean: true, nameof(x));
}
