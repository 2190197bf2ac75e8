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
