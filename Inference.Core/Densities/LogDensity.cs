using System.Globalization;
using Inference.Autodiff;

namespace Inference.Densities;

/// <summary>A log-density value function for <see cref="LogDensity.FromDelegates"/>.</summary>
public delegate double LogDensityFunction(ReadOnlySpan<double> x);

/// <summary>A log-density with its hand-written gradient: returns log p(x) and writes ∇ log p(x).</summary>
public delegate double LogDensityGradientFunction(ReadOnlySpan<double> x, Span<double> gradient);

/// <summary>Builds <see cref="ILogDensity"/> instances from tape code or from delegates.</summary>
public static class LogDensity
{
    /// <summary>
    /// A log-density written as tape code: <paramref name="function"/> maps the position (a vector
    /// <see cref="Var"/> of length <paramref name="dimension"/>) to a scalar. Gradients come from reverse-mode AD; the
    /// recorded graph is replayed at new positions (see <see cref="GradientEvaluator"/>) unless <paramref name="replay"/> is
    /// false, which a function whose operations depend on state outside it that changes between calls (a temperature
    /// field, say), or whose side effects must happen at every call, needs.
    /// </summary>
    public static ILogDensity FromTape(int dimension, Func<Var, Var> function, IReadOnlyList<string>? coordinateNames = null, bool replay = true)
    {
        ArgumentNullException.ThrowIfNull(function);
        return new TapeLogDensity(dimension, function, Names(dimension, coordinateNames), replay);
    }

    /// <summary>
    /// A log-density written as batched tape code, as normflows and NumPyro targets are: <paramref name="batchFunction"/>
    /// maps a batch of positions X [n, <paramref name="dimension"/>] to their log-densities [n]. Rows must not
    /// interact (row i of the result may depend on row i of X only). A batch is evaluated, with its gradients, in one
    /// tape pass, so matrix products cover the whole batch (VI pushes batches of 256 draws through the target); a
    /// single point is a batch of one.
    /// </summary>
    /// <example>
    /// Bayesian logistic regression, batched over draws of w [n, d]:
    /// <code>
    /// var xt = new Tensor(predictorsTransposed, Shape.Matrix(d, N));   // Xᵀ
    /// var y = Tensor.FromVector(outcomes);                              // [N]
    /// var target = LogDensity.FromBatchedTape(d, w =&gt;
    /// {
    ///     var eta = Ops.MatMul(w, w.Tape.Constant(xt));                 // [n, N]
    ///     return Ops.Sum((w.Tape.Constant(y) * eta) - Ops.Softplus(eta), -1) - (0.5 * Ops.Sum(Ops.Square(w), -1));
    /// });
    /// </code>
    /// </example>
    public static ILogDensity FromBatchedTape(int dimension, Func<Var, Var> batchFunction, IReadOnlyList<string>? coordinateNames = null)
    {
        ArgumentNullException.ThrowIfNull(batchFunction);
        return new BatchedTapeLogDensity(dimension, batchFunction, Names(dimension, coordinateNames));
    }

    /// <summary>A log-density from a value function and a hand-written gradient function.</summary>
    public static ILogDensity FromDelegates(int dimension, LogDensityFunction value, LogDensityGradientFunction valueAndGradient, IReadOnlyList<string>? coordinateNames = null)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(valueAndGradient);
        return new DelegateLogDensity(dimension, value, valueAndGradient, Names(dimension, coordinateNames));
    }

    /// <summary>Default coordinate names x[1] … x[d], or the given ones after checking their count.</summary>
    internal static IReadOnlyList<string> Names(int dimension, IReadOnlyList<string>? names)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        if (names is null)
        {
            return Enumerable.Range(1, dimension).Select(i => string.Create(CultureInfo.InvariantCulture, $"x[{i}]")).ToArray();
        }

        if (names.Count != dimension)
        {
            throw new ArgumentException($"{names.Count} coordinate names given for dimension {dimension}.", nameof(names));
        }

        return names.ToArray();
    }

    /// <summary>Runs the single-point evaluation over the rows of a batch.</summary>
    internal static void BatchByRows(ILogDensityEvaluator evaluator, ReadOnlySpan<double> points, Span<double> values, Span<double> gradients)
    {
        int d = evaluator.Dimension;
        int batch = BatchRows(d, points, values, gradients);
        for (int b = 0; b < batch; b++)
        {
            values[b] = evaluator.LogDensityAndGradient(points.Slice(b * d, d), gradients.Slice(b * d, d));
        }
    }

    /// <summary>The number of rows of a batch call's <paramref name="points"/>, after checking the buffers' lengths.</summary>
    internal static int BatchRows(int d, ReadOnlySpan<double> points, ReadOnlySpan<double> values, ReadOnlySpan<double> gradients)
    {
        if (points.Length % d != 0)
        {
            throw new ArgumentException($"points has {points.Length} values, not a multiple of the dimension {d}.", nameof(points));
        }

        int batch = points.Length / d;
        if (values.Length != batch)
        {
            throw new ArgumentException($"values has {values.Length} entries for a batch of {batch}.", nameof(values));
        }

        if (gradients.Length != points.Length)
        {
            throw new ArgumentException($"gradients has {gradients.Length} entries; points has {points.Length}.", nameof(gradients));
        }

        return batch;
    }

    private sealed class TapeLogDensity(int dimension, Func<Var, Var> function, IReadOnlyList<string> names, bool replay) : ILogDensity
    {
        public int Dimension => dimension;

        public IReadOnlyList<string> CoordinateNames => names;

        // shared by its evaluators: once one's replay disagrees with running the function, every one records from then on
        private readonly ReplayStop _replayStop = GradientEvaluator.NewReplayStop();

        public ILogDensityEvaluator CreateEvaluator() => new Evaluator(new GradientEvaluator(function, dimension, replay, _replayStop));

        private sealed class Evaluator(GradientEvaluator inner) : ILogDensityEvaluator
        {
            public int Dimension => inner.Dimension;

            public double LogDensity(ReadOnlySpan<double> x) => inner.Value(x);

            public double LogDensityAndGradient(ReadOnlySpan<double> x, Span<double> gradient) => inner.ValueAndGradient(x, gradient);

            public void LogDensityAndGradientBatch(ReadOnlySpan<double> points, Span<double> values, Span<double> gradients) =>
                BatchByRows(this, points, values, gradients);
        }
    }

    private sealed class BatchedTapeLogDensity(int dimension, Func<Var, Var> function, IReadOnlyList<string> names) : ILogDensity
    {
        public int Dimension => dimension;

        public IReadOnlyList<string> CoordinateNames => names;

        public ILogDensityEvaluator CreateEvaluator() => new Evaluator(dimension, function);

        // one tape per evaluator, reused: after the first batch of a given size nothing is allocated
        private sealed class Evaluator(int d, Func<Var, Var> function) : ILogDensityEvaluator
        {
            private readonly Tape _tape = new();
            private readonly double[] _one = new double[1];

            public int Dimension => d;

            public double LogDensity(ReadOnlySpan<double> x)
            {
                CheckLength(x.Length, d, nameof(x));
                using var session = _tape.Begin();
                using var scope = _tape.NoGrad();
                return Rows(function(_tape.Constant(x, Shape.Matrix(1, d))), 1).Value[0];
            }

            public double LogDensityAndGradient(ReadOnlySpan<double> x, Span<double> gradient)
            {
                CheckLength(x.Length, d, nameof(x));
                CheckLength(gradient.Length, d, nameof(gradient));
                LogDensityAndGradientBatch(x, _one, gradient);
                return _one[0];
            }

            public void LogDensityAndGradientBatch(ReadOnlySpan<double> points, Span<double> values, Span<double> gradients)
            {
                int n = BatchRows(d, points, values, gradients);
                using var session = _tape.Begin();
                var x = _tape.Variable(points, Shape.Matrix(n, d));
                var y = Rows(function(x), n);
                y.Value.CopyTo(values);
                if (!y.RequiresGrad)
                {
                    gradients.Clear();
                    return;
                }

                // rows do not interact, so the gradient of the sum holds each row's own gradient
                _tape.Backward(Ops.Sum(y));
                x.Grad.CopyTo(gradients);
            }

            private static Var Rows(Var y, int n) =>
                y.Shape == Shape.Vector(n)
                    ? y
                    : throw new InvalidOperationException($"The batched log-density must return one value per row, shape [{n}]; it returned {y.Shape}.");
        }
    }

    private sealed class DelegateLogDensity(int dimension, LogDensityFunction value, LogDensityGradientFunction valueAndGradient, IReadOnlyList<string> names) : ILogDensity, ILogDensityEvaluator
    {
        public int Dimension => dimension;

        public IReadOnlyList<string> CoordinateNames => names;

        // The delegates are the user's; they are assumed thread-safe, so one object serves every thread.
        public ILogDensityEvaluator CreateEvaluator() => this;

        public double LogDensity(ReadOnlySpan<double> x)
        {
            Check(x.Length, nameof(x));
            return value(x);
        }

        public double LogDensityAndGradient(ReadOnlySpan<double> x, Span<double> gradient)
        {
            Check(x.Length, nameof(x));
            Check(gradient.Length, nameof(gradient));
            return valueAndGradient(x, gradient);
        }

        public void LogDensityAndGradientBatch(ReadOnlySpan<double> points, Span<double> values, Span<double> gradients) =>
            BatchByRows(this, points, values, gradients);

        private void Check(int length, string name) => CheckLength(length, dimension, name);
    }

    // a point or gradient buffer of an evaluator must have one entry per coordinate
    private static void CheckLength(int length, int dimension, string name)
    {
        if (length != dimension)
        {
            throw new ArgumentException($"{name} has {length} elements; the dimension is {dimension}.", name);
        }
    }
}
