using Inference.Autodiff;
using Inference.Randomness;
using Inference.Transforms;
using MathNet.Numerics.LinearAlgebra;

namespace Inference.Distributions;

/// <summary>
/// Inverse Wishart(ν, Ψ) on p × p symmetric positive-definite matrices:
/// ½ν log|Ψ| − ½νp log 2 − log Γ_p(ν/2) − ½(ν + p + 1) log|W| − ½ tr(ΨW⁻¹), for ν &gt; p − 1. W⁻¹ is Wishart(ν, Ψ⁻¹).
/// </summary>
public sealed class InverseWishart : IDistribution
{
    private readonly Tensor _scale;
    private readonly Matrix<double> _inverseScaleCholesky;

    /// <summary>Creates the distribution from ν &gt; p − 1 and a symmetric positive-definite scale Ψ.</summary>
    public InverseWishart(double degreesOfFreedom, Tensor scale)
    {
        ArgumentNullException.ThrowIfNull(scale);
        var factor = MultivariateNormal.CheckedCholesky(scale, nameof(scale));
        DegreesOfFreedom = Wishart.CheckDegrees(degreesOfFreedom, scale.Shape[0], nameof(degreesOfFreedom));
        _scale = scale;
        var inverse = factor.Transpose().Inverse() * factor.Inverse();      // Ψ⁻¹ = L⁻ᵀL⁻¹
        _inverseScaleCholesky = (0.5 * (inverse + inverse.Transpose())).Cholesky().Factor;
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

    /// <summary>Fills <paramref name="destination"/> with consecutive p × p draws (row-major): inverses of Wishart(ν, Ψ⁻¹) draws.</summary>
    public void Sample(Rng rng, Span<double> destination) => Wishart.SampleInto(rng, destination, DegreesOfFreedom, _inverseScaleCholesky, invert: true);

    /// <summary>The log-density of <paramref name="x"/> [p, p] under ν and the scale Ψ, differentiable in all three; −∞ if x is not positive definite.</summary>
    public static Var LogProb(Var x, Arg degreesOfFreedom, Var scale)
    {
        int p = Wishart.CheckShapes(x, scale);
        if (!degreesOfFreedom.IsVar)
        {
            Wishart.CheckDegrees(degreesOfFreedom.ConstantValue, p, nameof(degreesOfFreedom));
        }

        var nu = degreesOfFreedom.On(x.Tape);
        var lx = Ops.Cholesky(x);
        var ls = Ops.Cholesky(scale);
        var solved = Ops.TriangularSolve(lx, ls);            // tr(ΨX⁻¹) = ‖L_X⁻¹ L_Ψ‖²_F
        var lp = (0.5 * nu * Wishart.LogDeterminant(ls)) - (0.5 * p * Math.Log(2) * nu) - Wishart.LogMultivariateGamma(p, 0.5 * nu)
            - (0.5 * (nu + (p + 1.0)) * Wishart.LogDeterminant(lx)) - (0.5 * Ops.Sum(Ops.Square(solved)));
        return Wishart.Restrict(lp, lx, nu, p);
    }
}
