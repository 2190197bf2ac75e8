using Inference.Autodiff;
using Inference.Distributions;
using Inference.Modeling;

namespace Inference.Models;

/// <summary>
/// A Gaussian with scales s along the columns of an orthogonal Q: (Qᵀx) ~ Normal(0, s), so
/// Cov(x) = Q diag(s²) Qᵀ. A diagonal metric cannot undo the rotation; a dense metric or a flow can.
/// </summary>
public static class RotatedGaussian
{
    /// <summary>The Gaussian for scales <paramref name="scales"/> and orthogonal <paramref name="rotation"/> (D × D).</summary>
    public static Model Create(IReadOnlyList<double> scales, Tensor rotation)
    {
        ArgumentNullException.ThrowIfNull(scales);
        ArgumentNullException.ThrowIfNull(rotation);
        int d = scales.Count;
        if (rotation.Shape != Shape.Matrix(d, d))
        {
            throw new ArgumentException($"The rotation must be {d} × {d}; got {rotation.Shape}.", nameof(rotation));
        }

        if (scales.Any(s => !(s > 0)))
        {
            throw new ArgumentOutOfRangeException(nameof(scales), "Scales must be positive.");
        }

        var s = Tensor.FromVector(scales.ToArray());
        return Model.Create("gauss_rot", m =>
        {
            var x = m.Parameter("x", d);
            // (Qᵀx)ⱼ = Σᵢ Qᵢⱼ xᵢ: the vector × matrix product x·Q
            var z = Ops.MatMul(x, m.Tape.Constant(rotation));
            m.Prior(Normal.LogProb(z, 0.0, m.Tape.Constant(s)));
        });
    }
}
