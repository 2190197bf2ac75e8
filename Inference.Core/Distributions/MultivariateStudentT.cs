using Inference.Autodiff;
using Inference.Randomness;
using Inference.Transforms;
using MathNet.Numerics.LinearAlgebra;

namespace Inference.Distributions;

/// <summary>
/// Multivariate Student-t(ν, μ, Σ): log Γ((ν + p)/2) − log Γ(ν/2) − (p/2) log(νπ) − ½ log|Σ| − ((ν + p)/2) log(1 + δ/ν),
/// δ = (x − μ)ᵀΣ⁻¹(x − μ); Σ is the scale matrix (the covariance is νΣ/(ν − 2) for ν &gt; 2).
/// </summary>
public sealed class MultivariateStudentT : IDistribution
{
    private readonly double[] _mean;
    private readonly Tensor _cholesky;
    private readonly Matrix<double> _factor;

    /// <summary>Creates the distribution from ν &gt; 0, a location μ and a symmetric positive-definite scale Σ.</summary>
    public MultivariateStudentT(double degreesOfFreedom, double[] mean, Tensor scale)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(scale);
        DegreesOfFreedom = Check.Positive(degreesOfFreedom, nameof(degreesOfFreedom));
        _mean = MultivariateNormal.CheckMean(mean, scale, nameof(scale));
        _factor = MultivariateNormal.CheckedCholesky(scale, nameof(scale));
        _cholesky = new Tensor(_factor.ToRowMajorArray(), scale.Shape);
    }

    /// <summary>The degrees of freedom ν.</summary>
    public double DegreesOfFreedom { get; }

    /// <summary>The dimension p.</summary>
    public int Dimension => _mean.Length;

    /// <inheritdoc/>
    public Constraint Support => Constraint.Real;

    /// <inheritdoc/>
    public bool IsDiscrete => false;

    /// <summary>The log-density of one vector [p] (a scalar) or of each row of [m, p] (a vector).</summary>
    public Var LogProb(Var value) => LogProbCholesky(value, DegreesOfFreedom, value.Tape.Constant(_mean), value.Tape.Constant(_cholesky));

    /// <summary>μ + Lz/√(w/ν), z ~ N(0, I), w ~ χ²(ν): consecutive draws of p entries.</summary>
    public void Sample(Rng rng, Span<double> destination)
    {
        ArgumentNullException.ThrowIfNull(rng);
        int p = _mean.Length;
        if (destination.Length % p != 0)
        {
            throw new ArgumentException($"The destination holds whole draws of {p} entries; got {destination.Length}.", nameof(destination));
        }

        var z = new double[p];
        for (int start = 0; start < destination.Length; start += p)
        {
            rng.Normal(z);
            double w = MathNet.Numerics.Distributions.Gamma.Sample(rng, DegreesOfFreedom / 2, 0.5);
            double scale = Math.Sqrt(DegreesOfFreedom / w);
            for (int i = 0; i < p; i++)
            {
                double s = 0;
                for (int k = 0; k <= i; k++)
                {
                    s += _factor[i, k] * z[k];
                }

                destination[start + i] = _mean[i] + (scale * s);
            }
        }
    }

    /// <summary>Log-density with the scale matrix Σ (symmetric positive definite); x is [p] or [m, p].</summary>
    public static Var LogProb(Var x, Arg degreesOfFreedom, Var mean, Var scale) => LogProbCholesky(x, degreesOfFreedom, mean, Ops.Cholesky(scale));

    /// <summary>Log-density with the lower Cholesky factor L of the scale matrix; x is [p] or [m, p], differentiable in every argument.</summary>
    public static Var LogProbCholesky(Var x, Arg degreesOfFreedom, Var mean, Var choleskyFactor)
    {
        Check.Positive(degreesOfFreedom, nameof(degreesOfFreedom));
        int p = choleskyFactor.Shape[0];
        var nu = degreesOfFreedom.On(x.Tape);
        var d = x - mean;
        Var delta = x.Shape.Rank == 1
            ? Ops.Sum(Ops.Square(Ops.TriangularSolve(choleskyFactor, d)))
            : Ops.Sum(Ops.Square(Ops.TriangularSolve(choleskyFactor, Ops.Transpose(d))), 0);
        var half = 0.5 * (nu + p);
        var lp = Ops.LGamma(half) - Ops.LGamma(0.5 * nu) - (0.5 * p * Ops.Log(nu * Math.PI)) - Ops.Sum(Ops.Log(Ops.Diagonal(choleskyFactor)))
            - (half * Ops.Log1p(delta / nu));
        return SupportCheck.Restrict(lp, degreesOfFreedom, Domain.Positive);
    }
}
