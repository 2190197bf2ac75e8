using Inference.Autodiff;
using Inference.Randomness;
using Inference.Flows.Serialization;

namespace Inference.Flows.Bijectors;

/// <summary>
/// Radial flow (Rezende and Mohamed 2015): y = x + β·h(r)·(x − x₀) with r = |x − x₀|, h = 1/(α + r),
/// α = softplus(α̂) &gt; 0 and β = −α + softplus(β̂) &gt; −α (invertible).
/// log|J| = (D − 1)·log(1 + βh) + log(1 + βh − βr h²).
/// </summary>
/// <remarks>
/// The inverse is closed-form: |y − x₀| = r(1 + β/(α + r)) is a quadratic in r with one non-negative root.
/// </remarks>
public sealed class Radial : FlowBijector, ISerializableFlowLayer<Radial>
{
    /// <summary>Creates the layer with x₀ uniform in ±√(1/D) and α̂ = β̂ = 0.</summary>
    public Radial(int dimension, Rng rng)
        : base(dimension)
    {
        ArgumentNullException.ThrowIfNull(rng);
        double limit = Math.Sqrt(1.0 / dimension);
        var center = new Tensor(Shape.Vector(dimension));
        for (int i = 0; i < dimension; i++)
        {
            center[i] = rng.Uniform(-limit, limit);
        }

        Center = RegisterParameter("center", center);
        AlphaRaw = RegisterParameter("alpha_raw", new Tensor(Shape.Vector(1)));
        BetaRaw = RegisterParameter("beta_raw", new Tensor(Shape.Vector(1)));
    }

    /// <summary>x₀.</summary>
    public Modules.Parameter Center { get; }

    /// <summary>α̂ (α = softplus(α̂)).</summary>
    public Modules.Parameter AlphaRaw { get; }

    /// <summary>β̂ (β = −α + softplus(β̂)).</summary>
    public Modules.Parameter BetaRaw { get; }

    private (Var Center, Var Alpha, Var Beta) Terms(Tape t)
    {
        var alpha = Ops.Softplus(Ops.Reshape(AlphaRaw.On(t), Shape.Scalar));
        var beta = Ops.Softplus(Ops.Reshape(BetaRaw.On(t), Shape.Scalar)) - alpha;
        return (Center.On(t), alpha, beta);
    }

    // |v| per event: a scalar for [D], a [batch, 1] column for [batch, D]
    private static Var Norm(Var v) =>
        v.Shape.Rank == 1 ? Ops.Sqrt(Ops.Sum(Ops.Square(v))) : Ops.Reshape(Ops.Sqrt(Ops.Sum(Ops.Square(v), -1)), Shape.Matrix(v.Shape[0], 1));

    private Var LogDet(Var r, Var alpha, Var beta, Var like)
    {
        var h = 1 / (alpha + r);
        var bh = beta * h;
        var ld = ((Dimension - 1) * Ops.Log(1 + bh)) + Ops.Log(1 + bh - (bh * h * r));
        return like.Shape.Rank == 1 ? ld : Ops.Reshape(ld, Shape.Vector(like.Shape[0]));
    }


    /// <inheritdoc/>
    public static string TypeName => "radial";

    /// <inheritdoc/>
    public static Radial Read(FlowLayerReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        int d = reader.Dimension;
        return reader.Create(d + 2L, () => new Radial(d, reader.Rng));
    }

    /// <inheritdoc/>
    protected override Var ForwardCore(Var x, out Var logAbsDetJacobian)
    {
        var (center, alpha, beta) = Terms(x.Tape);
        var d = x - center;
        var r = Norm(d);
        logAbsDetJacobian = LogDet(r, alpha, beta, x);
        return x + (beta / (alpha + r) * d);
    }

    /// <inheritdoc/>
    protected override Var InverseCore(Var y, out Var logAbsDetJacobian)
    {
        var (center, alpha, beta) = Terms(y.Tape);
        var d = y - center;
        var ry = Norm(d);
        var p = alpha + beta - ry;
        // the root of r² + p·r − α·|y − x₀| = 0, in the form without cancellation for the sign of p
        var root = Ops.Sqrt(Ops.Square(p) + (4 * alpha * ry));
        var pv = p.Value;
        var positive = new bool[pv.Length];
        for (int i = 0; i < pv.Length; i++)
        {
            positive[i] = pv[i] >= 0;
        }

        var r = Ops.Where(positive, 2 * alpha * ry / (root + p), 0.5 * (root - p));
        logAbsDetJacobian = -LogDet(r, alpha, beta, y);
        return center + (d / (1 + (beta / (alpha + r))));
    }
}
