using Inference.Autodiff;
using Inference.Randomness;
using Inference.Transforms;
using MathNet.Numerics.LinearAlgebra;

namespace Inference.Distributions;

/// <summary>
/// Wishart(ν, Σ) on p × p symmetric positive-definite matrices:
/// ½(ν − p − 1) log|W| − ½ tr(Σ⁻¹W) − ½νp log 2 − ½ν log|Σ| − log Γ_p(ν/2), for ν &gt; p − 1.
/// </summary>
public sealed class Wishart : IDistribution
{
    private readonly Tensor _scale;
    private readonly Matrix<double> _scaleCholesky;

    /// <summary>Creates the distribution from ν &gt; p − 1 and a symmetric positive-definite scale Σ.</summary>
    public Wishart(double degreesOfFreedom, Tensor scale)
    {
        ArgumentNullException.ThrowIfNull(scale);
        _scaleCholesky = MultivariateNormal.CheckedCholesky(scale, nameof(scale));
        DegreesOfFreedom = CheckDegrees(degreesOfFreedom, scale.Shape[0], nameof(degreesOfFreedom));
        _scale = scale;
    }

    /// <summary>The degrees of freedom ν.</summary>
    public double DegreesOfFreedom { get; }

    /// <summary>The dimension p.</summary>
    public int Dimension => _scale.Shape[0];

    /// <inheritdoc/>
    public Constraint Support => Constraint.CovarianceMatrix;

    /// <inheritdoc/>
    public bool IsDiscrete => false;

    /// <summary>The log-density of one matrix [p, p] (a scalar).</summary>
    public Var LogProb(Var value) => LogProb(value, DegreesOfFreedom, value.Tape.Constant(_scale));

    /// <summary>Fills <paramref name="destination"/> with consecutive p × p draws (row-major), by Bartlett's decomposition.</summary>
    public void Sample(Rng rng, Span<double> destination) => SampleInto(rng, destination, DegreesOfFreedom, _scaleCholesky, invert: false);

    /// <summary>The log-density of <paramref name="x"/> [p, p] under ν and the scale Σ, differentiable in all three; −∞ if x is not positive definite.</summary>
    public static Var LogProb(Var x, Arg degreesOfFreedom, Var scale)
    {
        int p = CheckShapes(x, scale);
        if (!degreesOfFreedom.IsVar)
        {
            CheckDegrees(degreesOfFreedom.ConstantValue, p, nameof(degreesOfFreedom));
        }

        var nu = degreesOfFreedom.On(x.Tape);
        var lx = Ops.Cholesky(x);
        var ls = Ops.Cholesky(scale);
        var solved = Ops.TriangularSolve(ls, lx);            // tr(Σ⁻¹X) = ‖L_Σ⁻¹ L_X‖²_F
        var lp = (0.5 * (nu - (p + 1.0)) * LogDeterminant(lx)) - (0.5 * Ops.Sum(Ops.Square(solved)))
            - (0.5 * p * Math.Log(2) * nu) - (0.5 * nu * LogDeterminant(ls)) - LogMultivariateGamma(p, 0.5 * nu);
        return Restrict(lp, lx, nu, p);
    }

    internal static double CheckDegrees(double nu, int p, string name) =>
        nu > p - 1 && double.IsFinite(nu) ? nu : throw new ArgumentOutOfRangeException(name, nu, $"Must be finite and greater than p − 1 = {p - 1}.");

    internal static int CheckShapes(Var x, Var scale)
    {
        var s = scale.Shape;
        if (s.Rank != 2 || s[0] != s[1] || x.Shape != s)
        {
            throw new ArgumentException($"Expected a square matrix and a scale of its shape; got {x.Shape} and {s}.", nameof(scale));
        }

        return s[0];
    }

    /// <summary>log|A| from its Cholesky factor: 2 Σ log Lᵢᵢ.</summary>
    internal static Var LogDeterminant(Var cholesky) => 2.0 * Ops.Sum(Ops.Log(Ops.Diagonal(cholesky)));

    /// <summary>log Γ_p(a) = ¼p(p − 1) log π + Σ_{j=1..p} log Γ(a + (1 − j)/2).</summary>
    internal static Var LogMultivariateGamma(int p, Var a)
    {
        Var sum = Ops.LGamma(a);
        for (int j = 2; j <= p; j++)
        {
            sum += Ops.LGamma(a + ((1 - j) / 2.0));
        }

        return sum + (0.25 * p * (p - 1) * Math.Log(Math.PI));
    }

    /// <summary>−∞ when the matrix is not positive definite (its Cholesky factor is NaN) or ν ≤ p − 1.</summary>
    internal static Var Restrict(Var lp, Var cholesky, Var nu, int p)
    {
        bool ok = nu.Item > p - 1;
        foreach (double v in cholesky.Value)
        {
            ok &= !double.IsNaN(v);
        }

        return ok ? lp : Ops.Where(new bool[lp.Shape.Length], lp, double.NegativeInfinity);
    }

    /// <summary>Bartlett: W = L A Aᵀ Lᵀ with A lower triangular, A_ii² ~ χ²(ν − i), A_ij ~ N(0, 1); inverted for the inverse Wishart.</summary>
    internal static void SampleInto(Rng rng, Span<double> destination, double nu, Matrix<double> cholesky, bool invert)
    {
        ArgumentNullException.ThrowIfNull(rng);
        int p = cholesky.RowCount;
        if (destination.Length % (p * p) != 0)
        {
            throw new ArgumentException($"The destination holds whole draws of {p * p} entries; got {destination.Length}.", nameof(destination));
        }

        var a = Matrix<double>.Build.Dense(p, p);
        for (int start = 0; start < destination.Length; start += p * p)
        {
            a.Clear();
            for (int i = 0; i < p; i++)
            {
                a[i, i] = Math.Sqrt(MathNet.Numerics.Distributions.Gamma.Sample(rng, (nu - i) / 2, 0.5));
                for (int j = 0; j < i; j++)
                {
                    a[i, j] = rng.Normal();
                }
            }

            var la = cholesky * a;
            var w = la * la.Transpose();
            if (invert)
            {
                w = w.Inverse();
            }

            for (int i = 0; i < p; i++)
            {
                for (int j = 0; j < p; j++)
                {
                    destination[start + (i * p) + j] = 0.5 * (w[i, j] + w[j, i]);
                }
            }
        }
    }
}
