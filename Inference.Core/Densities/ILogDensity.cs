namespace Inference.Densities;

/// <summary>
/// An unnormalized log-density on ℝᵈ (the unconstrained space): the whole contract between a model
/// and the samplers and variational fits. Evaluation goes through per-thread evaluators.
/// </summary>
public interface ILogDensity
{
    /// <summary>The dimension d.</summary>
    int Dimension { get; }

    /// <summary>One name per coordinate (Stan style, 1-based: <c>theta[3]</c>).</summary>
    IReadOnlyList<string> CoordinateNames { get; }

    /// <summary>A new evaluator. Evaluators are not thread-safe: create one per thread or chain.</summary>
    ILogDensityEvaluator CreateEvaluator();
}

/// <summary>Evaluates one <see cref="ILogDensity"/>; owns its buffers (and tape) and reuses them.</summary>
public interface ILogDensityEvaluator
{
    /// <summary>The dimension d.</summary>
    int Dimension { get; }

    /// <summary>log p(x) (may be −∞ or NaN outside the support; callers treat non-finite values as rejections).</summary>
    double LogDensity(ReadOnlySpan<double> x);

    /// <summary>log p(x), with ∇ log p(x) written to <paramref name="gradient"/>.</summary>
    double LogDensityAndGradient(ReadOnlySpan<double> x, Span<double> gradient);

    /// <summary>
    /// Batched form over the rows of <paramref name="points"/> (batch × d, row-major): writes each row's
    /// log-density to <paramref name="values"/> and its gradient to the same row of <paramref name="gradients"/>.
    /// </summary>
    void LogDensityAndGradientBatch(ReadOnlySpan<double> points, Span<double> values, Span<double> gradients);
}

/// <summary>
/// A log-density whose draws are reported on another scale: a model maps unconstrained positions to its named
/// constrained parameters and derived quantities. Samplers record draws through it when it is available.
/// </summary>
public interface IConstrainedDensity : ILogDensity
{
    /// <summary>The names of the recorded columns.</summary>
    IReadOnlyList<string> ConstrainedNames { get; }

    /// <summary>A new mapper (not thread-safe: one per chain).</summary>
    IDrawConstrainer CreateConstrainer();
}

/// <summary>Maps an unconstrained position to the recorded columns of a draw.</summary>
public interface IDrawConstrainer
{
    /// <summary>Writes the columns for the unconstrained position <paramref name="x"/> into <paramref name="destination"/>.</summary>
    void Constrain(ReadOnlySpan<double> x, Span<double> destination);
}
