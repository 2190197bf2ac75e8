using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Numerics.Tensors;

namespace Inference.Autodiff.Kernels;

/// <summary>
/// Vectorized elementwise kernels that TensorPrimitives lacks or computes inaccurately
/// (its LogP1/ExpM1 are log(1 + x) and exp(x) − 1 taken literally, which lose all digits near 0).
/// </summary>
internal static class Elementwise
{
    /// <summary>gx (+)= g where x &gt; 0 (else 0): ReLU's backward pass, vectorized.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ReluBackward(ReadOnlySpan<double> x, ReadOnlySpan<double> g, Span<double> gx, bool accumulate)
    {
        int n = g.Length;
        ref double xr = ref MemoryMarshal.GetReference(x);
        ref double gr = ref MemoryMarshal.GetReference(g);
        ref double or = ref MemoryMarshal.GetReference(gx);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + 8 <= n; i += 8)
            {
                var kept = Vector512.ConditionalSelect(Vector512.GreaterThan(Vector512.LoadUnsafe(ref xr, (nuint)i), Vector512<double>.Zero), Vector512.LoadUnsafe(ref gr, (nuint)i), Vector512<double>.Zero);
                (accumulate ? kept + Vector512.LoadUnsafe(ref or, (nuint)i) : kept).StoreUnsafe(ref or, (nuint)i);
            }
        }

        int w = Vector<double>.Count;
        for (; i + w <= n; i += w)
        {
            var kept = Vector.ConditionalSelect(Vector.GreaterThan(Vector.LoadUnsafe(ref xr, (nuint)i), Vector<double>.Zero), Vector.LoadUnsafe(ref gr, (nuint)i), Vector<double>.Zero);
            (accumulate ? kept + Vector.LoadUnsafe(ref or, (nuint)i) : kept).StoreUnsafe(ref or, (nuint)i);
        }

        for (; i < n; i++)
        {
            double kept = Unsafe.Add(ref xr, i) > 0 ? Unsafe.Add(ref gr, i) : 0;
            Unsafe.Add(ref or, i) = accumulate ? Unsafe.Add(ref or, i) + kept : kept;
        }
    }

    /// <summary>y = log(1 + x), accurate near 0 (Kahan: log(u)·x/(u − 1) with u = 1 + x). <paramref name="u"/> is scratch.</summary>
    public static void Log1p(ReadOnlySpan<double> x, Span<double> y, Span<double> u)
    {
        TensorPrimitives.Add(x, 1.0, u);
        TensorPrimitives.Log(u, y);
        for (int i = 0; i < y.Length; i++)
        {
            double ui = u[i];
            if (ui == 1)
            {
                y[i] = x[i];
            }
            else if (!double.IsInfinity(ui) && ui != 0)
            {
                y[i] = y[i] * x[i] / (ui - 1);
            }
        }
    }

    /// <summary>y = exp(x) − 1, accurate near 0 (Kahan: (u − 1)·x/log u with u = eˣ). <paramref name="scratch"/> is scratch.</summary>
    public static void Expm1(ReadOnlySpan<double> x, Span<double> y, Span<double> scratch)
    {
        TensorPrimitives.Exp(x, scratch);
        TensorPrimitives.Log(scratch, y);
        for (int i = 0; i < y.Length; i++)
        {
            double u = scratch[i];
            if (u == 1)
            {
                y[i] = x[i];
            }
            else if (double.IsPositiveInfinity(u) || double.IsNaN(u))
            {
                y[i] = u;
            }
            else
            {
                double um1 = u - 1;
                y[i] = um1 == -1 ? -1 : um1 * x[i] / y[i];
            }
        }
    }

    /// <summary>y = softplus(x) = log(1 + eˣ) = max(x, 0) + log1p(e^−|x|), stable for all x.</summary>
    public static void Softplus(ReadOnlySpan<double> x, Span<double> y, Span<double> s1, Span<double> s2)
    {
        TensorPrimitives.Abs(x, s1);
        TensorPrimitives.Negate(s1, s1);
        TensorPrimitives.Exp(s1, s1);
        Log1p(s1, y, s2);
        TensorPrimitives.Max(x, 0.0, s1);
        TensorPrimitives.Add(y, s1, y);
    }

    /// <summary>
    /// A logistic regression's pointwise work in one pass over a block <paramref name="e"/> [rows, points] of linear
    /// predictors without their intercept: η = e + α (α one per point, or one for all), adds softplus(η) =
    /// max(η, 0) + log(1 + e^−|η|) to <paramref name="softplusSum"/> [points], overwrites e with σ(η) = (η ≥ 0 ? 1 : u)/(1 + u),
    /// u = e^−|η|, and adds it to <paramref name="sigmaSum"/> [points]: one exponential, one logarithm and one division
    /// per element, where separate passes took two exponentials and ten sweeps over the block.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SoftplusSigmoidRows(Span<double> e, ReadOnlySpan<double> alpha, int rows, int points, Span<double> softplusSum, Span<double> sigmaSum)
    {
        ref double er = ref MemoryMarshal.GetReference(e);
        if (points == 1)
        {
            // one point: the block is a column of rows; vector sums over rows, reduced once
            double a = alpha[0];
            int i = 0;
            double sp = 0, sg = 0;
            if (Vector512.IsHardwareAccelerated && rows >= 8)
            {
                var va = Vector512.Create(a);
                var spv = Vector512<double>.Zero;
                var sgv = Vector512<double>.Zero;
                for (; i + 8 <= rows; i += 8)
                {
                    var eta = Vector512.LoadUnsafe(ref er, (nuint)i) + va;
                    spv += SoftplusSigmoid(eta, out var sig);
                    sgv += sig;
                    sig.StoreUnsafe(ref er, (nuint)i);
                }

                sp = Vector512.Sum(spv);
                sg = Vector512.Sum(sgv);
            }
            else if (Vector256.IsHardwareAccelerated && rows >= 4)
            {
                var va = Vector256.Create(a);
                var spv = Vector256<double>.Zero;
                var sgv = Vector256<double>.Zero;
                for (; i + 4 <= rows; i += 4)
                {
                    var eta = Vector256.LoadUnsafe(ref er, (nuint)i) + va;
                    spv += SoftplusSigmoid(eta, out var sig);
                    sgv += sig;
                    sig.StoreUnsafe(ref er, (nuint)i);
                }

                sp = Vector256.Sum(spv);
                sg = Vector256.Sum(sgv);
            }

            for (; i < rows; i++)
            {
                sp += SoftplusSigmoid(Unsafe.Add(ref er, i) + a, out double sig);
                sg += sig;
                Unsafe.Add(ref er, i) = sig;
            }

            softplusSum[0] += sp;
            sigmaSum[0] += sg;
            return;
        }

        bool perPoint = alpha.Length == points;
        ref double ar = ref MemoryMarshal.GetReference(alpha);
        ref double spr = ref MemoryMarshal.GetReference(softplusSum);
        ref double sgr = ref MemoryMarshal.GetReference(sigmaSum);
        for (int r = 0; r < rows; r++)
        {
            ref double row = ref Unsafe.Add(ref er, r * points);
            int j = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                var a0 = Vector512.Create(alpha[0]);
                for (; j + 8 <= points; j += 8)
                {
                    var eta = Vector512.LoadUnsafe(ref row, (nuint)j) + (perPoint ? Vector512.LoadUnsafe(ref ar, (nuint)j) : a0);
                    var sp = SoftplusSigmoid(eta, out var sig);
                    (Vector512.LoadUnsafe(ref spr, (nuint)j) + sp).StoreUnsafe(ref spr, (nuint)j);
                    (Vector512.LoadUnsafe(ref sgr, (nuint)j) + sig).StoreUnsafe(ref sgr, (nuint)j);
                    sig.StoreUnsafe(ref row, (nuint)j);
                }
            }
            else if (Vector256.IsHardwareAccelerated)
            {
                var a0 = Vector256.Create(alpha[0]);
                for (; j + 4 <= points; j += 4)
                {
                    var eta = Vector256.LoadUnsafe(ref row, (nuint)j) + (perPoint ? Vector256.LoadUnsafe(ref ar, (nuint)j) : a0);
                    var sp = SoftplusSigmoid(eta, out var sig);
                    (Vector256.LoadUnsafe(ref spr, (nuint)j) + sp).StoreUnsafe(ref spr, (nuint)j);
                    (Vector256.LoadUnsafe(ref sgr, (nuint)j) + sig).StoreUnsafe(ref sgr, (nuint)j);
                    sig.StoreUnsafe(ref row, (nuint)j);
                }
            }

            for (; j < points; j++)
            {
                double sp = SoftplusSigmoid(Unsafe.Add(ref row, j) + (perPoint ? Unsafe.Add(ref ar, j) : alpha[0]), out double sig);
                Unsafe.Add(ref spr, j) += sp;
                Unsafe.Add(ref sgr, j) += sig;
                Unsafe.Add(ref row, j) = sig;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> SoftplusSigmoid(Vector512<double> eta, out Vector512<double> sigmoid)
    {
        var u = Vector512.Exp(-Vector512.Abs(eta));
        var onePlus = u + Vector512<double>.One;
        sigmoid = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(eta, Vector512<double>.Zero), Vector512<double>.One, u) / onePlus;
        return Vector512.Max(eta, Vector512<double>.Zero) + Vector512.Log(onePlus);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> SoftplusSigmoid(Vector256<double> eta, out Vector256<double> sigmoid)
    {
        var u = Vector256.Exp(-Vector256.Abs(eta));
        var onePlus = u + Vector256<double>.One;
        sigmoid = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(eta, Vector256<double>.Zero), Vector256<double>.One, u) / onePlus;
        return Vector256.Max(eta, Vector256<double>.Zero) + Vector256.Log(onePlus);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double SoftplusSigmoid(double eta, out double sigmoid)
    {
        double u = Math.Exp(-Math.Abs(eta));
        double onePlus = 1 + u;
        sigmoid = (eta >= 0 ? 1 : u) / onePlus;
        return Math.Max(eta, 0) + Math.Log(onePlus);
    }

    /// <summary>Softmax of one contiguous row, shifted by its maximum.</summary>
    public static void SoftmaxRow(ReadOnlySpan<double> x, Span<double> y)
    {
        double m = TensorPrimitives.Max(x);
        if (double.IsNegativeInfinity(m))
        {
            y.Fill(double.NaN);
            return;
        }

        TensorPrimitives.Subtract(x, m, y);
        TensorPrimitives.Exp(y, y);
        TensorPrimitives.Divide(y, TensorPrimitives.Sum(y), y);
    }

    /// <summary>log Σ exp(x) of one contiguous row, shifted by its maximum. <paramref name="scratch"/> has the row's length.</summary>
    public static double LogSumExpRow(ReadOnlySpan<double> x, Span<double> scratch)
    {
        double m = TensorPrimitives.Max(x);
        if (double.IsInfinity(m))
        {
            return m;
        }

        TensorPrimitives.Subtract(x, m, scratch);
        TensorPrimitives.Exp(scratch, scratch);
        return m + Math.Log(TensorPrimitives.Sum(scratch));
    }

    /// <summary>Copies the strided line x[o, :, i] of an (outer, n, inner) view into <paramref name="row"/>.</summary>
    public static void GatherLine(ReadOnlySpan<double> x, int o, int i, int n, int inner, Span<double> row)
    {
        int start = (o * n * inner) + i;
        for (int k = 0; k < n; k++)
        {
            row[k] = x[start + (k * inner)];
        }
    }

    /// <summary>Adds <paramref name="row"/> into the strided line x[o, :, i] of an (outer, n, inner) view.</summary>
    public static void AddLine(Span<double> x, int o, int i, int n, int inner, ReadOnlySpan<double> row)
    {
        int start = (o * n * inner) + i;
        for (int k = 0; k < n; k++)
        {
            x[start + (k * inner)] += row[k];
        }
    }

    /// <summary>Writes <paramref name="row"/> into the strided line x[o, :, i] of an (outer, n, inner) view.</summary>
    public static void SetLine(Span<double> x, int o, int i, int n, int inner, ReadOnlySpan<double> row)
    {
        int start = (o * n * inner) + i;
        for (int k = 0; k < n; k++)
        {
            x[start + (k * inner)] = row[k];
        }
    }
}
