namespace Inference.Autodiff;

/// <summary>
/// Evaluates a scalar function of a flat vector and its gradient, reusing one tape: after the first
/// call with a given graph, evaluation allocates nothing. Not thread-safe: create one per thread or chain.
/// </summary>
public sealed class GradientEvaluator
{
    private readonly Func<Var, Var> _function;
    private readonly Tape _tape = new();

    /// <summary>Creates an evaluator of <paramref name="function"/> on vectors of length <paramref name="dimension"/>.</summary>
    public GradientEvaluator(Func<Var, Var> function, int dimension)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentOutOfRangeException.ThrowIfNegative(dimension);
        _function = function;
        Dimension = dimension;
    }

    /// <summary>The length of the input vector.</summary>
    public int Dimension { get; }

    /// <summary>The tape used for evaluation (to inspect the last graph).</summary>
    public Tape Tape => _tape;

    /// <summary>The function value at <paramref name="x"/>, without recording gradients.</summary>
    public double Value(ReadOnlySpan<double> x)
    {
        CheckInput(x);
        using var session = _tape.Begin();
        using var scope = _tape.NoGrad();
        return Scalar(_function(_tape.Constant(x)));
    }

    /// <summary>The function value at <paramref name="x"/>; its gradient is written to <paramref name="gradient"/>.</summary>
    public double ValueAndGradient(ReadOnlySpan<double> x, Span<double> gradient)
    {
        CheckInput(x);
        if (gradient.Length != Dimension)
        {
            throw new ArgumentException($"The gradient buffer has {gradient.Length} elements; the dimension is {Dimension}.", nameof(gradient));
        }

        using var session = _tape.Begin();
        var input = _tape.Variable(x);
        var y = _function(input);
        double value = Scalar(y);
        _tape.Backward(y);
        if (y.RequiresGrad)
        {
            input.Grad.CopyTo(gradient);
        }
        else
        {
            gradient.Clear();
        }

        return value;
    }

    private void CheckInput(ReadOnlySpan<double> x)
    {
        if (x.Length != Dimension)
        {
            throw new ArgumentException($"The input has {x.Length} elements; the dimension is {Dimension}.", nameof(x));
        }
    }

    private static double Scalar(Var y)
    {
        var v = y.Value;
        return v.Length == 1 ? v[0] : throw new InvalidOperationException($"The function must return a single element; it returned shape {y.Shape}.");
    }
}

/// <summary>One-call differentiation of scalar functions, reusing one tape per thread.</summary>
public static class Differentiation
{
    [ThreadStatic]
    private static Tape? t_tape;

    /// <summary>Returns f(x) and writes ∇f(x) to <paramref name="gradient"/>.</summary>
    public static double ValueAndGradient(Func<Var, Var> function, ReadOnlySpan<double> x, Span<double> gradient)
    {
        ArgumentNullException.ThrowIfNull(function);
        if (gradient.Length != x.Length)
        {
            throw new ArgumentException($"The gradient buffer has {gradient.Length} elements; x has {x.Length}.", nameof(gradient));
        }

        var tape = t_tape ??= new Tape();
        tape.Reset();
        var input = tape.Variable(x);
        var y = function(input);
        if (y.Value.Length != 1)
        {
            throw new InvalidOperationException($"The function must return a single element; it returned shape {y.Shape}.");
        }

        double value = y.Value[0];
        tape.Backward(y);
        if (y.RequiresGrad)
        {
            input.Grad.CopyTo(gradient);
        }
        else
        {
            gradient.Clear();
        }

        return value;
    }

    /// <summary>∇f(x) as a new array.</summary>
    public static double[] Gradient(Func<Var, Var> function, ReadOnlySpan<double> x)
    {
        var g = new double[x.Length];
        ValueAndGradient(function, x, g);
        return g;
    }
}
