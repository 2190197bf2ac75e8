using Inference.Autodiff;
using Inference.Flows.Modules;
using Inference.Randomness;

namespace Inference.Flows.Bijectors;

/// <summary>
/// Autoregressive rational-quadratic spline layer: coordinate i gets a monotone spline on [−B, B] (K bins,
/// identity tails) whose parameters come from a MADE of the coordinates before it. With
/// <see cref="AutoregressiveDirection.Inverse"/> sampling is one pass (reverse KL); with
/// <see cref="AutoregressiveDirection.Masked"/> density evaluation is (forward KL).
/// </summary>
public sealed class SplineAutoregressive : AutoregressiveFlow
{
    /// <summary>Creates the layer.</summary>
    public SplineAutoregressive(int dimension, IReadOnlyList<int> hidden, Rng rng, int bins = 8, double tailBound = 3, AutoregressiveDirection direction = AutoregressiveDirection.Inverse, Activation activation = Activation.Relu)
        : base(dimension, hidden, RationalQuadraticSpline.ParameterCount(CheckBins(bins, tailBound)), rng, direction, activation)
    {
        Bins = bins;
        TailBound = tailBound;
    }

    /// <summary>K, the number of bins.</summary>
    public int Bins { get; }

    /// <summary>B: the spline acts on [−B, B] and is the identity outside.</summary>
    public double TailBound { get; }

    private static int CheckBins(int bins, double bound)
    {
        RationalQuadraticSpline.CheckSettings(bins, bound);
        return bins;
    }

    /// <inheritdoc/>
    protected override Var Transform(Var x, Var parameters, out Var logAbsDetJacobian) =>
        RationalQuadraticSpline.Apply(x, parameters, Bins, TailBound, inverse: false, out logAbsDetJacobian);

    /// <inheritdoc/>
    protected override Var InverseTransform(Var y, Var parameters, out Var logAbsDetJacobian) =>
        RationalQuadraticSpline.Apply(y, parameters, Bins, TailBound, inverse: true, out logAbsDetJacobian);
}
