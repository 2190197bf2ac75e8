using Inference.Autodiff;
using Inference.Randomness;
using Inference.Transforms;
using MathNet.Numerics.LinearAlgebra;

namespace Inference.Distributions;

/// <summary>
/// Multivariate normal N(μ, Σ), parameterized by the covariance Σ or its lower Cholesky factor L (Σ = LLᵀ):
/// −½‖L⁻¹(x − μ)‖² − Σ log Lᵢᵢ − (n/2) log 2π.
/// </summary>
public sealed class MultivariateNormal : IDistribution
{
    private readonly double[] _mean;
    private readonly Tensor _cholesky;

    /// <summary>Creates N(<paramref name="mean"/>, <paramref name="covariance"/>); the covariance must be symmetric positive definite.</summary>
    public MultivariateNormal(double[] mean, Tensor covariance)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(covariance);
        _mean = CheckMean(mean, covariance, nameof(covariance));
        var factor = CheckedCholesky(covariance, nameof(covariance));
        _cholesky = new Tensor(Shape.Matrix(mean.Length, mean.Length));
        for (int i = 0; i < mean.Length; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                _cholesky[i, j] = factor[i, j];
            }
        }
    }

    /// <summary>The lower Cholesky factor of a symmetric positive-definite matrix, or an ArgumentException for <paramref name="name"/>.</summary>
    internal static Matrix<double> CheckedCholesky(Tensor matrix, string name)
    {
        if (matrix.Shape.Rank != 2 || matrix.Shape[0] != matrix.Shape[1] || matrix.Data.Any(v => !double.IsFinite(v)))
        {
            throw new ArgumentException($"Expected a square matrix of finite values; got shape {matrix.Shape}.", name);
        }

        try
        {
            return Symmetric(matrix, name).Cholesky().Factor;
        }
        catch (ArgumentException ex) when (ex.ParamName != name)
        {
            throw new ArgumentException($"The matrix '{name}' must be positive definite.", name, ex);
        }
    }

    private MultivariateNormal(double[] mean, Tensor cholesky, bool fromCholesky)
    {
        _ = fromCholesky;
        _mean = mean;
        _cholesky = cholesky;
    }

    /// <summary>Creates N(μ, LLᵀ) from a lower-triangular factor with a positive diagonal.</summary>
    public static MultivariateNormal FromCholesky(double[] mean, Tensor choleskyFactor)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(choleskyFactor);
        var m = CheckMean(mean, choleskyFactor, nameof(choleskyFactor));
        int n = m.Length;
        var l = new Tensor(Shape.Matrix(n, n));
        for (int i = 0; i < n; i++)
        {
            if (!(choleskyFactor[i, i] > 0))
            {
                throw new ArgumentException("The Cholesky factor needs a positive diagonal.", nameof(choleskyFactor));
            }

            for (int j = 0; j <= i; j++)
            {
                l[i, j] = choleskyFactor[i, j];
            }
        }

        return new MultivariateNormal(m, l, fromCholesky: true);
    }

    /// <summary>The dimension n.</summary>
    public int Dimension => _mean.Length;

    /// <inheritdoc/>
    public Constraint Support => Constraint.Real;

    /// <inheritdoc/>
    public bool IsDiscrete => false;

    /// <summary>The log-density of one vector [n] (a scalar) or of each row of [m, n] (a vector).</summary>
    public Var LogProb(Var value) => LogProbCholesky(value, value.Tape.Constant(_mean), value.Tape.Constant(_cholesky));

    /// <summary>Fills <paramref name="destination"/> with consecutive draws of n entries each: μ + Lz, z ~ N(0, I).</summary>
    public void Sample(Rng rng, Span<double> destination)
    {
        ArgumentNullException.ThrowIfNull(rng);
        int n = _mean.Length;
        if (destination.Length % n != 0)
        {
            throw new ArgumentException($"The destination holds whole draws of {n} entries; got {destination.Length}.", nameof(destination));
        }

        Span<double> z = n <= 256 ? stackalloc double[n] : new double[n];
        for (int start = 0; start < destination.Length; start += n)
        {
            rng.Normal(z);
            for (int i = 0; i < n; i++)
            {
                double s = _mean[i];
                for (int j = 0; j <= i; j++)
                {
                    s += _cholesky[i, j] * z[j];
                }

                destination[start + i] = s;
            }
        }
    }

    /// <summary>Log-density with covariance Σ (factored on the tape; gradients flow to Σ's lower triangle).</summary>
    public static Var LogProb(Var x, Var mean, Var covariance) => LogProbCholesky(x, mean, Ops.Cholesky(covariance));

    /// <summary>Log-density with the lower Cholesky factor L of the covariance; x is [n] or [m, n].</summary>
    public static Var LogProbCholesky(Var x, Var mean, Var choleskyFactor)
    {
        int n = choleskyFactor.Shape[0];
        var d = x - mean;
        var logDet = Ops.Sum(Ops.Log(Ops.Diagonal(choleskyFactor)));
        double constant = n * Normal.HalfLogTwoPi;
        if (x.Shape.Rank == 1)
        {
            var z = Ops.TriangularSolve(choleskyFactor, d);
            return (-0.5 * Ops.Dot(z, z)) - logDet - constant;
        }

        var zs = Ops.TriangularSolve(choleskyFactor, Ops.Transpose(d));
        return (-0.5 * Ops.Sum(Ops.Square(zs), 0)) - logDet - constant;
    }

    /// <summary>The matrix symmetrized, after checking it is symmetric to a relative 1e-10 (a computed inverse is only that symmetric).</summary>
    internal static Matrix<double> Symmetric(Tensor matrix, string name)
    {
        int n = matrix.Shape[0];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < i; j++)
            {
                double a = matrix[i, j], b = matrix[j, i];
                if (!(Math.Abs(a - b) <= 1e-10 * Math.Max(1, Math.Max(Math.Abs(a), Math.Abs(b)))))
                {
                    throw new ArgumentException($"The matrix must be symmetric; entries ({i}, {j}) and ({j}, {i}) are {a} and {b}.", name);
                }
            }
        }

        return Matrix<double>.Build.Dense(n, n, (i, j) => 0.5 * (matrix[i, j] + matrix[j, i]));
    }

    internal static double[] CheckMean(double[] mean, Tensor matrix, string matrixName)
    {
        if (mean.Length == 0 || mean.Any(m => !double.IsFinite(m)))
        {
            throw new ArgumentException("The mean must be a non-empty vector of finite values.", nameof(mean));
        }

        if (matrix.Shape != Shape.Matrix(mean.Length, mean.Length))
        {
            throw new ArgumentException($"Expected a {mean.Length} × {mean.Length} matrix; got {matrix.Shape}.", matrixName);
        }

        return (double[])mean.Clone();
    }
}
