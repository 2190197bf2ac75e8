using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Inference.Distributions;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>
    /// The normal log-density −½((x − μ)/σ)² − log σ − ½ log 2π elementwise as one node over its arguments (where the
    /// composed form records seven nodes and two constant leaves): μ and σ are tape values or constants kept as the
    /// node's scalar attributes, and each tape argument has the output's shape or one element. Null when the arguments
    /// need general broadcasting or carry a batch axis (the caller composes the density from elementwise ops then).
    /// </summary>
    internal static Var? NormalLogDensity(Var x, Arg mean, Arg standardDeviation) =>
        LocationScaleLogDensity(x, mean, standardDeviation, 0, -Normal.HalfLogTwoPi);

    /// <summary>
    /// As <see cref="NormalLogDensity"/> for Student's t with constant degrees of freedom ν (ν = 1: Cauchy):
    /// c − log σ − (ν + 1)/2 · log(1 + z²/ν) with z = (x − μ)/σ, where <paramref name="constant"/> is c (log Γ((ν + 1)/2) −
    /// log Γ(ν/2) − ½ log νπ, plus whatever the caller adds, log 2 for a half distribution).
    /// </summary>
    internal static Var? StudentTLogDensity(Var x, double degreesOfFreedom, Arg location, Arg scale, double constant) =>
        LocationScaleLogDensity(x, location, scale, degreesOfFreedom, constant);

    // ν = 0 marks the normal density
    private static Var? LocationScaleLogDensity(Var x, Arg mean, Arg scale, double nu, double constant)
    {
        var tape = TapeOf(x, nameof(x));
        int xi = tape.Check(x);
        int mi = mean.IsVar ? tape.Check(mean.Variable) : -1;
        int si = scale.IsVar ? tape.Check(scale.Variable) : -1;
        if (tape.HasBatched && (tape.IsBatched(xi) || (mi >= 0 && tape.IsBatched(mi)) || (si >= 0 && tape.IsBatched(si))))
        {
            return null;
        }

        // the output's shape: the largest argument's; every other one has it too, or a single element of no higher rank
        Shape shape = tape.Node(xi).Shape;
        if (mi >= 0 && tape.Node(mi).Shape.Length > shape.Length)
        {
            shape = tape.Node(mi).Shape;
        }

        if (si >= 0 && tape.Node(si).Shape.Length > shape.Length)
        {
            shape = tape.Node(si).Shape;
        }

        if (!FitsElementwise(tape, xi, shape) || !FitsElementwise(tape, mi, shape) || !FitsElementwise(tape, si, shape))
        {
            return null;
        }

        int id = tape.Push(LocationScaleLogDensityOp.Instance, shape, xi, mi, si);
        ref NodeRecord n = ref tape.Node(id);
        n.S0 = mean.IsVar ? 0 : mean.ConstantValue;
        n.S1 = scale.IsVar ? 0 : scale.ConstantValue;
        n.S2 = nu;
        n.S3 = constant;
        LocationScaleLogDensityOp.Forward(tape, in n, tape.V(id));
        return tape.Wrap(id);
    }

    // an argument of a fused elementwise density: absent (a constant attribute), of the output's shape, or one element
    // of no higher rank (broadcast)
    private static bool FitsElementwise(Tape tape, int id, Shape shape)
    {
        if (id < 0)
        {
            return true;
        }

        var s = tape.Node(id).Shape;
        return s == shape || (s.Length == 1 && s.Rank <= shape.Rank);
    }

    /// <summary>
    /// A location-scale log-density c − log σ + f(z), z = (x − μ)/σ, with f(z) = −z²/2 (normal, S2 = 0) or
    /// −(ν + 1)/2 · log(1 + z²/ν) (Student's t, S2 = ν); μ and σ are the inputs In1/In2 or the attributes S0/S1, c is S3.
    /// </summary>
    private sealed class LocationScaleLogDensityOp : IOp
    {
        public static readonly LocationScaleLogDensityOp Instance = new();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static double F(double z, double nu)
        {
            if (nu == 0)
            {
                return -0.5 * z * z;
            }

            double u = z * z / nu;
            double w = 1 + u;
            // log(1 + u) accurate for small u (Kahan)
            double log1p = w == 1 ? u : Math.Log(w) * u / (w - 1);
            return -0.5 * (nu + 1) * log1p;
        }

        // f'(z)
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static double DF(double z, double nu) => nu == 0 ? -z : -(nu + 1) * z / (nu + (z * z));

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Forward(Tape tape, in NodeRecord node, Span<double> lp)
        {
            int n = lp.Length;
            ReadOnlySpan<double> xs = tape.V(node.In0);
            ReadOnlySpan<double> ms = node.In1 >= 0 ? tape.V(node.In1) : default;
            ReadOnlySpan<double> ss = node.In2 >= 0 ? tape.V(node.In2) : default;
            bool xFull = xs.Length == n, mFull = ms.Length == n && n > 1, sFull = ss.Length == n && n > 1;
            double m0 = node.In1 >= 0 ? ms[0] : node.S0, s0 = node.In2 >= 0 ? ss[0] : node.S1, nu = node.S2;
            double c0 = node.S3 - Math.Log(s0);
            ref double xr = ref MemoryMarshal.GetReference(xs);
            ref double mr = ref MemoryMarshal.GetReference(ms);
            ref double sr = ref MemoryMarshal.GetReference(ss);
            ref double yr = ref MemoryMarshal.GetReference(lp);
            int i = 0;
            if (nu == 0 && !sFull && Vector.IsHardwareAccelerated)
            {
                // a normal density with one scale (a prior, or observations with one σ): vectorized
                int w = Vector<double>.Count;
                var vx0 = new Vector<double>(xs[0]);
                var vm0 = new Vector<double>(m0);
                var vs = new Vector<double>(s0);
                var c = new Vector<double>(c0);
                var half = new Vector<double>(-0.5);
                for (; i + w <= n; i += w)
                {
                    var vx = xFull ? Vector.LoadUnsafe(ref xr, (nuint)i) : vx0;
                    var vm = mFull ? Vector.LoadUnsafe(ref mr, (nuint)i) : vm0;
                    var z = (vx - vm) / vs;
                    ((half * z * z) + c).StoreUnsafe(ref yr, (nuint)i);
                }
            }

            for (; i < n; i++)
            {
                double x = xFull ? Unsafe.Add(ref xr, i) : xs[0];
                double m = mFull ? Unsafe.Add(ref mr, i) : m0;
                double s = sFull ? Unsafe.Add(ref sr, i) : s0;
                double z = (x - m) / s;
                Unsafe.Add(ref yr, i) = F(z, nu) + (sFull ? node.S3 - Math.Log(s) : c0);
            }
        }

        // ∂/∂x = f'(z)/σ, ∂/∂μ = −f'(z)/σ, ∂/∂σ = −(z f'(z) + 1)/σ; an argument of one element gets the sum over the output
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Backward(Tape tape, int id, in NodeRecord node)
        {
            ReadOnlySpan<double> g = tape.G(id)!;
            int n = g.Length;
            ReadOnlySpan<double> xs = tape.V(node.In0);
            ReadOnlySpan<double> ms = node.In1 >= 0 ? tape.V(node.In1) : default;
            ReadOnlySpan<double> ss = node.In2 >= 0 ? tape.V(node.In2) : default;
            bool xFull = xs.Length == n && n > 1, mFull = ms.Length == n && n > 1, sFull = ss.Length == n && n > 1;
            double m0 = node.In1 >= 0 ? ms[0] : node.S0, s0 = node.In2 >= 0 ? ss[0] : node.S1, nu = node.S2;
            double[]? gx = tape.G(node.In0), gm = tape.G(node.In1), gs = tape.G(node.In2);
            double sumX = 0, sumS = 0;
            for (int i = 0; i < n; i++)
            {
                double x = xFull ? xs[i] : xs[0];
                double m = mFull ? ms[i] : m0;
                double s = sFull ? ss[i] : s0;
                double z = (x - m) / s;
                double d = DF(z, nu);
                double dx = g[i] * d / s;
                sumX += dx;
                if (xFull && gx is not null)
                {
                    gx[i] += dx;
                }

                if (mFull && gm is not null)
                {
                    gm[i] -= dx;
                }

                if (gs is not null)
                {
                    double ds = -g[i] * ((z * d) + 1) / s;
                    if (sFull)
                    {
                        gs[i] += ds;
                    }
                    else
                    {
                        sumS += ds;
                    }
                }
            }

            if (gx is not null && !xFull)
            {
                gx[0] += sumX;
            }

            if (gm is not null && !mFull)
            {
                gm[0] -= sumX;
            }

            if (gs is not null && !sFull)
            {
                gs[0] += sumS;
            }
        }
    }
}
