using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;

namespace Inference.Densities;

/// <summary>
/// The Laplace approximation N(x̂, H⁻¹) of a log-density at its mode x̂, with H the negative Hessian there:
/// the mode by L-BFGS (MathNet), H by central differences of the gradient. On a model it works on the
/// unconstrained space (the log-Jacobian included), which is where flows and samplers work too. Used to start
/// a flow or a sampler at the right location and scale.
/// </summary>
public sealed class LaplaceApproximation
{
    private LaplaceApproximation(double[] mode, double logDensity, double[,] covariance, double[,] cholesky, int iterations, bool converged, bool positiveDefinite)
    {
        Mode = mode;
        LogDensityAtMode = logDensity;
        Covariance = covariance;
        CholeskyFactor = cholesky;
        Iterations = iterations;
        Converged = converged;
        HessianWasPositiveDefinite = positiveDefinite;
    }

    /// <summary>x̂.</summary>
    public IReadOnlyList<double> Mode { get; }

    /// <summary>log p̃(x̂).</summary>
    public double LogDensityAtMode { get; }

    /// <summary>H⁻¹ [D, D].</summary>
    public double[,] Covariance { get; }

    /// <summary>The lower Cholesky factor L of the covariance (LLᵀ = H⁻¹).</summary>
    public double[,] CholeskyFactor { get; }

    /// <summary>L-BFGS iterations used.</summary>
    public int Iterations { get; }

    /// <summary>Whether L-BFGS met its gradient tolerance (otherwise the best point seen is kept).</summary>
    public bool Converged { get; }

    /// <summary>
    /// False when H was not positive definite at the point found (a saddle, a flat or an improper direction): its
    /// eigenvalues were then floored, so the covariance is usable but only a rough scale.
    /// </summary>
    public bool HessianWasPositiveDefinite { get; }

    /// <summary>Finds the mode of <paramref name="target"/> from <paramref name="initial"/> (zeros when empty) and the curvature there.</summary>
    /// <exception cref="ArgumentException">The initial point has the wrong length or a non-finite log-density.</exception>
    public static LaplaceApproximation Fit(ILogDensity target, ReadOnlySpan<double> initial = default, int maxIterations = 2000)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxIterations);
        int d = target.Dimension;
        if (!initial.IsEmpty && initial.Length != d)
        {
            throw new ArgumentException($"The initial point has {initial.Length} coordinates; the target has {d}.", nameof(initial));
        }

        var evaluator = target.CreateEvaluator();
        var start = initial.IsEmpty ? new double[d] : initial.ToArray();
        var gradient = new double[d];
        double startValue = evaluator.LogDensityAndGradient(start, gradient);
        if (!double.IsFinite(startValue))
        {
            throw new ArgumentException($"The log-density at the initial point is {startValue}.", nameof(initial));
        }

        // minimize −log p̃, remembering the best finite point in case the line search gives up
        var best = start.ToArray();
        double bestValue = startValue;
        var objective = ObjectiveFunction.Gradient(v =>
        {
            var x = v.AsArray() ?? v.ToArray();
            double lp = evaluator.LogDensityAndGradient(x, gradient);
            if (!double.IsFinite(lp))
            {
                return (double.MaxValue, Vector<double>.Build.Dense(d));
            }

            if (lp > bestValue)
            {
                bestValue = lp;
                x.CopyTo(best, 0);
            }

            return (-lp, Vector<double>.Build.Dense(gradient.Select(g => -g).ToArray()));
        });

        int iterations = 0;
        bool converged;
        try
        {
            var result = new LimitedMemoryBfgsMinimizer(1e-8, 1e-12, 1e-12, 10, maxIterations).FindMinimum(objective, Vector<double>.Build.Dense(start));
            iterations = result.Iterations;
            converged = result.ReasonForExit is ExitCondition.AbsoluteGradient or ExitCondition.RelativeGradient or ExitCondition.RelativePoints or ExitCondition.LackOfProgress;
        }
        catch (Exception ex) when (ex is MaximumIterationsException or InnerOptimizationException or EvaluationException or ArithmeticException)
        {
            converged = false;
        }

        var (covariance, cholesky, positiveDefinite) = Curvature(evaluator, best, d);
        return new LaplaceApproximation(best, bestValue, covariance, cholesky, iterations, converged, positiveDefinite);
    }

    private static (double[,] Covariance, double[,] Cholesky, bool PositiveDefinite) Curvature(ILogDensityEvaluator evaluator, double[] x, int d)
    {
        var h = Matrix<double>.Build.Dense(d, d);
        var plus = new double[d];
        var minus = new double[d];
        var point = x.ToArray();
        for (int i = 0; i < d; i++)
        {
            double step = 1e-5 * Math.Max(1, Math.Abs(x[i]));
            point[i] = x[i] + step;
            evaluator.LogDensityAndGradient(point, plus);
            point[i] = x[i] - step;
            evaluator.LogDensityAndGradient(point, minus);
            point[i] = x[i];
            for (int j = 0; j < d; j++)
            {
                h[j, i] = -(plus[j] - minus[j]) / (2 * step);
            }
        }

        h = 0.5 * (h + h.Transpose());
        bool positiveDefinite = h.Enumerate().All(double.IsFinite);
        Matrix<double> covariance;
        if (positiveDefinite)
        {
            try
            {
                covariance = h.Cholesky().Solve(Matrix<double>.Build.DenseIdentity(d));
            }
            catch (ArgumentException)
            {
                positiveDefinite = false;
                covariance = null!;
            }
        }
        else
        {
            covariance = null!;
        }

        if (!positiveDefinite)
        {
            // floor the eigenvalues (absolute values, at least 1e-6 of the largest, 1 when nothing is finite)
            var finite = h.Map(v => double.IsFinite(v) ? v : 0);
            var evd = finite.Evd(MathNet.Numerics.LinearAlgebra.Symmetricity.Symmetric);
            var values = evd.EigenValues.Select(c => Math.Abs(c.Real)).ToArray();
            double floor = Math.Max(values.DefaultIfEmpty(0).Max() * 1e-6, 1e-12);
            if (values.All(v => v <= 1e-12))
            {
                floor = 1;
            }

            var inverse = Vector<double>.Build.Dense(values.Select(v => 1 / Math.Max(v, floor)).ToArray());
            covariance = evd.EigenVectors * Matrix<double>.Build.DenseOfDiagonalVector(inverse) * evd.EigenVectors.Transpose();
            covariance = 0.5 * (covariance + covariance.Transpose());
        }

        var l = covariance.Cholesky().Factor;
        return (covariance.ToArray(), l.ToArray(), positiveDefinite);
    }
}
