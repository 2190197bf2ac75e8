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

    /// <summary>Whether <paramref name="op"/> is the fused location-scale density (normal, Student's t) of <see cref="NormalLogDensity"/>.</summary>
    internal static bool IsLocationScaleDensity(TapeOp? op) => op is LocationScaleLogDensityOp;

    // ν = 0 marks the normal density
    private static Var? LocationScaleLogDensity(Var x, Arg mean, Arg scale, double nu, double constant)
    {
        var tape = TapeOf(x, nameof(x));
        int xi = tape.Check(x);
        int mi = mean.IsVar ? tape.Check(mean.Variable) : -1;
        int si = scale.IsVar ? tape.Check(scale.Variable) : -1;
        int rows = 1;
        bool batched = false;
        if (tape.HasBatched)
        {
            // a batch of points: each argument is batched ([rows, ...inner]) or shared by the points; the output is
            // [rows, ...inner] and the node works row by row
            foreach (int id0 in (ReadOnlySpan<int>)[xi, mi, si])
            {
                if (id0 >= 0 && tape.IsBatched(id0))
                {
                    int r = tape.Node(id0).Shape[0];
                    if (batched && r != rows)
                    {
                        return null;
                    }

                    rows = r;
                    batched = true;
                }
            }
        }

        // the output's (inner) shape: the largest argument's; every other one has it too, or a single element of no higher rank
        Shape shape = InnerShape(tape, xi);
        if (mi >= 0 && InnerShape(tape, mi).Length > shape.Length)
        {
            shape = InnerShape(tape, mi);
        }

        if (si >= 0 && InnerShape(tape, si).Length > shape.Length)
        {
            shape = InnerShape(tape, si);
        }

        if (!FitsElementwise(tape, xi, shape) || !FitsElementwise(tape, mi, shape) || !FitsElementwise(tape, si, shape) || (batched && shape.Rank > 1))
        {
            return null;
        }

        if (batched)
        {
            shape = Batching.WithBatch(rows, shape);
        }

        int id = tape.Push(LocationScaleLogDensityOp.Instance, shape, xi, mi, si);
        ref NodeRecord n = ref tape.Node(id);
        n.I0 = rows;
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

        var s = InnerShape(tape, id);
        return s == shape || (s.Length == 1 && s.Rank <= shape.Rank);
    }

    private static Shape InnerShape(Tape tape, int id) => tape.IsBatched(id) ? Batching.Inner(tape.Node(id).Shape) : tape.Node(id).Shape;

    /// <summary>
    /// A location-scale log-density c − log σ + f(z), z = (x − μ)/σ, with f(z) = −z²/2 (normal, S2 = 0) or
    /// −(ν + 1)/2 · log(1 + z²/ν) (Student's t, S2 = ν); μ and σ are the inputs In1/In2 or the attributes S0/S1, c is S3.
    /// </summary>
    private sealed class LocationScaleLogDensityOp : TapeOp, IBatchAware, IReplayable
    {
        public static readonly LocationScaleLogDensityOp Instance = new();

        public override void Replay(Tape tape, int id, ref NodeRecord node) => Forward(tape, in node, tape.V(id));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static double F(double z, double nu)
        {
            if (nu == 0)
            {
                return -0.5 * z * z;
            }

            return -0.5 * (nu + 1) * Kernels.SpecialFunctions.Log1p(z * z / nu);
        }

        // f'(z)
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static double DF(double z, double nu) => nu == 0 ? -z : -(nu + 1) * z / (nu + (z * z));

        // an argument's elements for row b of the output (the whole argument when it is shared by the rows)
        private static ReadOnlySpan<double> Row(Tape tape, int id, int b, int rows)
        {
            if (id < 0)
            {
                return default;
            }

            var v = tape.V(id);
            if (rows == 1 || !tape.IsBatched(id))
            {
                return v;
            }

            int length = v.Length / rows;
            return v.AsSpan(b * length, length);
        }

        private static Span<double> GradRow(Tape tape, double[]? g, int id, int b, int rows)
        {
            if (g is null || rows == 1 || !tape.IsBatched(id))
            {
                return g;
            }

            int length = g.Length / rows;
            return g.AsSpan(b * length, length);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Forward(Tape tape, in NodeRecord node, Span<double> lp)
        {
            int rows = node.I0;
            int m = lp.Length / rows;
            for (int b = 0; b < rows; b++)
            {
                ForwardRow(Row(tape, node.In0, b, rows), Row(tape, node.In1, b, rows), Row(tape, node.In2, b, rows), in node, lp.Slice(b * m, m));
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void ForwardRow(ReadOnlySpan<double> xs, ReadOnlySpan<double> ms, ReadOnlySpan<double> ss, in NodeRecord node, Span<double> lp)
        {
            int n = lp.Length;
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
        public override void Backward(Tape tape, int id, in NodeRecord node)
        {
            ReadOnlySpan<double> gAll = tape.G(id)!;
            double[]? gxAll = tape.G(node.In0), gmAll = tape.G(node.In1), gsAll = tape.G(node.In2);
            int rows = node.I0;
            int m = gAll.Length / rows;
            for (int b = 0; b < rows; b++)
            {
                BackwardRow(
                    gAll.Slice(b * m, m),
                    Row(tape, node.In0, b, rows),
                    Row(tape, node.In1, b, rows),
                    Row(tape, node.In2, b, rows),
                    in node,
                    GradRow(tape, gxAll, node.In0, b, rows),
                    GradRow(tape, gmAll, node.In1, b, rows),
                    GradRow(tape, gsAll, node.In2, b, rows));
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void BackwardRow(ReadOnlySpan<double> g, ReadOnlySpan<double> xs, ReadOnlySpan<double> ms, ReadOnlySpan<double> ss, in NodeRecord node, Span<double> gx, Span<double> gm, Span<double> gs)
        {
            int n = g.Length;
            bool xFull = xs.Length == n && n > 1, mFull = ms.Length == n && n > 1, sFull = ss.Length == n && n > 1;
            double m0 = node.In1 >= 0 ? ms[0] : node.S0, s0 = node.In2 >= 0 ? ss[0] : node.S1, nu = node.S2;
            bool hasX = !gx.IsEmpty, hasM = !gm.IsEmpty, hasS = !gs.IsEmpty;
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
                if (xFull && hasX)
                {
                    gx[i] += dx;
                }

                if (mFull && hasM)
                {
                    gm[i] -= dx;
                }

                if (hasS)
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

            if (hasX && !xFull)
            {
                gx[0] += sumX;
            }

            if (hasM && !mFull)
            {
                gm[0] -= sumX;
            }

            if (hasS && !sFull)
            {
                gs[0] += sumS;
            }
        }
    }
}
