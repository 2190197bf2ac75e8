using Inference.Autodiff;
using Inference.Randomness;
using Inference.Transforms;
using MathNet.Numerics.LinearAlgebra;

namespace Inference.Distributions;

/// <summary>
/// Multivariate normal with precision P = Σ⁻¹: −½(x − μ)ᵀP(x − μ) + ½ log det P − (n/2) log 2π.
/// P must be symmetric; its log-determinant comes from its Cholesky factor.
/// </summary>
public sealed class MultivariateNormalPrecision : IDistribution
{
    private readonly double[] _mean;
    private readonly Tensor _precision;
    private readonly Matrix<double> _precisionCholesky;

    /// <summary>Creates N(<paramref name="mean"/>, P⁻¹) for a symmetric positive-definite <paramref name="precision"/>.</summary>
    public MultivariateNormalPrecision(double[] mean, Tensor precision)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(precision);
        _mean = MultivariateNormal.CheckMean(mean, precision, nameof(precision));
        var m = MultivariateNormal.Symmetric(precision, nameof(precision));

        try
        {
            _precisionCholesky = m.Cholesky().Factor;
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException("The precision must be positive definite.", nameof(precision), ex);
        }

        _precision = new Tensor(m.ToRowMajorArray(), precision.Shape);
    }

    /// <summary>The dimension n.</summary>
    public int Dimension => _mean.Length;

    /// <inheritdoc/>
    public Constraint Support => Constraint.Real;

    /// <inheritdoc/>
    public bool IsDiscrete => false;

    /// <summary>The log-density of one vector [n] (a scalar) or of each row of [m, n] (a vector).</summary>
    public Var LogProb(Var value) => LogProb(value, value.Tape.Constant(_mean), value.Tape.Constant(_precision));

    /// <summary>Draws μ + L⁻ᵀz with P = LLᵀ and z ~ N(0, I), n entries per draw.</summary>
    public void Sample(Rng rng, Span<double> destination)
    {
        ArgumentNullException.ThrowIfNull(rng);
        int n = _mean.Length;
        if (destination.Length % n != 0)
        {
            throw new ArgumentException($"The destination holds whole draws of {n} entries; got {destination.Length}.", nameof(destination));
        }

        var z = new double[n];
        for (int start = 0; start < destination.Length; start += n)
        {
            rng.Normal(z);
            // back substitution: Lᵀ w = z
            for (int i = n - 1; i >= 0; i--)
            {
                double s = z[i];
                for (int k = i + 1; k < n; k++)
                {
                    s -= _precisionCholesky[k, i] * z[k];
                }

                z[i] = s / _precisionCholesky[i, i];
            }

            for (int i = 0; i < n; i++)
            {
                destination[start + i] = _mean[i] + z[i];
            }
        }
    }

    /// <summary>Log-density with precision P (symmetric), x [n] or [m, n], differentiable in x, μ and P.</summary>
    public static Var LogProb(Var x, Var mean, Var precision)
    {
        int n = precision.Shape[0];
        var d = x - mean;
        var halfLogDet = Ops.Sum(Ops.Log(Ops.Diagonal(Ops.Cholesky(precision))));
        double constant = n * Normal.HalfLogTwoPi;
        var quad = x.Shape.Rank == 1
            ? Ops.Dot(d, Ops.MatMul(precision, d))
            : Ops.Sum(Ops.MatMul(d, precision) * d, -1);
        return (-0.5 * quad) + halfLogDet - constant;
    }
}
