using Inference.Autodiff;
using Inference.Randomness;
using Inference.Flows.Serialization;

namespace Inference.Flows.Bijectors;

/// <summary>
/// Planar flow (Rezende and Mohamed 2015): y = x + û·tanh(wᵀx + b), with
/// û = u + (m(wᵀu) − wᵀu)·w/|w|² and m(a) = −1 + softplus(a), so that wᵀû &gt; −1 and the map is invertible.
/// log|J| = log(1 + (1 − tanh²(wᵀx + b))·wᵀû).
/// </summary>
/// <remarks>
/// The inverse has no closed form: the scalar a = wᵀx + b solves a + (wᵀû)·tanh(a) = wᵀy + b, a monotone
/// equation, solved by safeguarded Newton on the values; one Newton step is then recorded on the tape from
/// the solution, which gives the exact (implicit-function) gradient.
/// </remarks>
public sealed class Planar : FlowBijector, ISerializableFlowLayer<Planar>
{
    /// <summary>Creates the layer with u, w uniform in ±√(1/D) and b = 0.</summary>
    public Planar(int dimension, Rng rng)
        : base(dimension)
    {
        ArgumentNullException.ThrowIfNull(rng);
        double limit = Math.Sqrt(1.0 / dimension);
        var u = new Tensor(Shape.Vector(dimension));
        var w = new Tensor(Shape.Vector(dimension));
        for (int i = 0; i < dimension; i++)
        {
            u[i] = rng.Uniform(-limit, limit);
            w[i] = rng.Uniform(-limit, limit);
        }

        U = RegisterParameter("u", u);
        W = RegisterParameter("w", w);
        B = RegisterParameter("b", new Tensor(Shape.Vector(1)));
    }

    /// <summary>u (before the invertibility correction).</summary>
    public Modules.Parameter U { get; }

    /// <summary>w.</summary>
    public Modules.Parameter W { get; }

    /// <summary>b.</summary>
    public Modules.Parameter B { get; }

    /// <inheritdoc/>
    public override bool HasAnalyticInverse => false;

    private (Var UHat, Var WDotUHat, Var W, Var B) Terms(Tape t)
    {
        var u = U.On(t);
        var w = W.On(t);
        var wu = Ops.Dot(w, u);
        var m = Ops.Softplus(wu) - 1;
        var uHat = u + ((m - wu) / Ops.Dot(w, w) * w);
        return (uHat, m, w, Ops.Reshape(B.On(t), Shape.Scalar));
    }

    // wᵀv + b per event: a scalar for [D], a [batch, 1] column for [batch, D]
    private static Var Projection(Var v, Var w, Var b) =>
        v.Shape.Rank == 1 ? Ops.Dot(v, w) + b : Ops.Reshape(Ops.Sum(v * w, -1), Shape.Matrix(v.Shape[0], 1)) + b;

    private static Var LogDet(Var a, Var wDotUHat, Var like)
    {
        var ld = Ops.Log(1 + ((1 - Ops.Square(Ops.Tanh(a))) * wDotUHat));
        return like.Shape.Rank == 1 ? ld : Ops.Reshape(ld, Shape.Vector(like.Shape[0]));
    }


    /// <inheritdoc/>
    public static string TypeName => "planar";

    /// <inheritdoc/>
    public static Planar Read(FlowLayerReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        int d = reader.Dimension;
        return reader.Create((2L * d) + 1, () => new Planar(d, reader.Rng));
    }

    /// <inheritdoc/>
    protected override Var ForwardCore(Var x, out Var logAbsDetJacobian)
    {
        var (uHat, wDotUHat, w, b) = Terms(x.Tape);
        var a = Projection(x, w, b);
        logAbsDetJacobian = LogDet(a, wDotUHat, x);
        return x + (Ops.Tanh(a) * uHat);
    }

    /// <inheritdoc/>
    protected override Var InverseCore(Var y, out Var logAbsDetJacobian)
    {
        var tape = y.Tape;
        var (uHat, wDotUHat, w, b) = Terms(tape);
        var c = Projection(y, w, b);
        double m = wDotUHat.Item;
        var cv = c.Value;
        var solution = new double[cv.Length];
        for (int i = 0; i < cv.Length; i++)
        {
            solution[i] = Solve(cv[i], m);
        }

        var a0 = tape.Constant(solution, c.Shape);
        var tanh0 = Ops.Tanh(a0);
        // one Newton step from the solution: the value is unchanged, the gradient is the implicit one
        var a = a0 - ((a0 + (wDotUHat * tanh0) - c) / (1 + (wDotUHat * (1 - Ops.Square(tanh0)))));
        logAbsDetJacobian = -LogDet(a, wDotUHat, y);
        return y - (Ops.Tanh(a) * uHat);
    }

    // a + m·tanh(a) = c with m > −1: increasing in a, and |a − c| ≤ |m|
    private static double Solve(double c, double m)
    {
        double lo = c - Math.Abs(m), hi = c + Math.Abs(m), a = c;
        for (int it = 0; it < 100; it++)
        {
            double th = Math.Tanh(a);
            double f = a + (m * th) - c;
            if (f == 0)
            {
                return a;
            }

            if (f > 0)
            {
                hi = a;
            }
            else
            {
                lo = a;
            }

            double next = a - (f / (1 + (m * (1 - (th * th)))));
            if (!(next > lo && next < hi))
            {
                next = 0.5 * (lo + hi);
            }

            if (Math.Abs(next - a) <= 1e-15 * Math.Max(1, Math.Abs(a)))
            {
                return next;
            }

            a = next;
        }

        return a;
    }
}
