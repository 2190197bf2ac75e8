using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Inference.Autodiff.Kernels;

/// <summary>
/// Elementwise kernels over one short row (a flow layer's changed half, 5 to a few hundred values), used by the fused
/// coupling nodes once per row: 8 lanes at a time where 512-bit vectors are accelerated, then 4, then scalars, with no
/// call overhead (TensorPrimitives' per-call dispatch costs more than the work on 5-value rows). All spans of one call
/// have the same length; an output may be the same span as an input.
/// </summary>
internal static class RowMath
{
    /// <summary>y = a ⊙ b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Multiply(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y)
    {
        int n = Check(a.Length, b.Length, y.Length);
        ref double ra = ref MemoryMarshal.GetReference(a), rb = ref MemoryMarshal.GetReference(b), ry = ref MemoryMarshal.GetReference(y);
        int j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; j <= n - 8; j += 8)
            {
                (Vector512.LoadUnsafe(ref ra, (nuint)j) * Vector512.LoadUnsafe(ref rb, (nuint)j)).StoreUnsafe(ref ry, (nuint)j);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; j <= n - 4; j += 4)
            {
                (Vector256.LoadUnsafe(ref ra, (nuint)j) * Vector256.LoadUnsafe(ref rb, (nuint)j)).StoreUnsafe(ref ry, (nuint)j);
            }
        }

        for (; j < n; j++)
        {
            Unsafe.Add(ref ry, j) = Unsafe.Add(ref ra, j) * Unsafe.Add(ref rb, j);
        }
    }

    /// <summary>y = a ⊙ b + c.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MultiplyAdd(ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> c, Span<double> y)
    {
        int n = Check(a.Length, b.Length, y.Length);
        _ = Check(n, c.Length, n);
        ref double ra = ref MemoryMarshal.GetReference(a), rb = ref MemoryMarshal.GetReference(b);
        ref double rc = ref MemoryMarshal.GetReference(c), ry = ref MemoryMarshal.GetReference(y);
        int j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; j <= n - 8; j += 8)
            {
                ((Vector512.LoadUnsafe(ref ra, (nuint)j) * Vector512.LoadUnsafe(ref rb, (nuint)j)) + Vector512.LoadUnsafe(ref rc, (nuint)j)).StoreUnsafe(ref ry, (nuint)j);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; j <= n - 4; j += 4)
            {
                ((Vector256.LoadUnsafe(ref ra, (nuint)j) * Vector256.LoadUnsafe(ref rb, (nuint)j)) + Vector256.LoadUnsafe(ref rc, (nuint)j)).StoreUnsafe(ref ry, (nuint)j);
            }
        }

        for (; j < n; j++)
        {
            Unsafe.Add(ref ry, j) = (Unsafe.Add(ref ra, j) * Unsafe.Add(ref rb, j)) + Unsafe.Add(ref rc, j);
        }
    }

    /// <summary>y = x (when <paramref name="assign"/>) or y += x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Accumulate(ReadOnlySpan<double> x, Span<double> y, bool assign)
    {
        if (assign)
        {
            x.CopyTo(y);
            return;
        }

        int n = Check(x.Length, y.Length, y.Length);
        ref double rx = ref MemoryMarshal.GetReference(x), ry = ref MemoryMarshal.GetReference(y);
        int j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; j <= n - 8; j += 8)
            {
                (Vector512.LoadUnsafe(ref ry, (nuint)j) + Vector512.LoadUnsafe(ref rx, (nuint)j)).StoreUnsafe(ref ry, (nuint)j);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; j <= n - 4; j += 4)
            {
                (Vector256.LoadUnsafe(ref ry, (nuint)j) + Vector256.LoadUnsafe(ref rx, (nuint)j)).StoreUnsafe(ref ry, (nuint)j);
            }
        }

        for (; j < n; j++)
        {
            Unsafe.Add(ref ry, j) += Unsafe.Add(ref rx, j);
        }
    }

    /// <summary>y = a ⊙ b (when <paramref name="assign"/>) or y += a ⊙ b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MultiplyAccumulate(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y, bool assign)
    {
        if (assign)
        {
            Multiply(a, b, y);
            return;
        }

        MultiplyAdd(a, b, y, y);
    }

    /// <summary>y += s·x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ScaledAdd(double s, ReadOnlySpan<double> x, Span<double> y)
    {
        int n = Check(x.Length, y.Length, y.Length);
        ref double rx = ref MemoryMarshal.GetReference(x), ry = ref MemoryMarshal.GetReference(y);
        int j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var v = Vector512.Create(s);
            for (; j <= n - 8; j += 8)
            {
                ((Vector512.LoadUnsafe(ref rx, (nuint)j) * v) + Vector512.LoadUnsafe(ref ry, (nuint)j)).StoreUnsafe(ref ry, (nuint)j);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            var v = Vector256.Create(s);
            for (; j <= n - 4; j += 4)
            {
                ((Vector256.LoadUnsafe(ref rx, (nuint)j) * v) + Vector256.LoadUnsafe(ref ry, (nuint)j)).StoreUnsafe(ref ry, (nuint)j);
            }
        }

        for (; j < n; j++)
        {
            Unsafe.Add(ref ry, j) += s * Unsafe.Add(ref rx, j);
        }
    }

    /// <summary>y += g ⊙ (1 − t²): the backward pass of t = tanh(h).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddOneMinusSquareTimes(ReadOnlySpan<double> t, ReadOnlySpan<double> g, Span<double> y)
    {
        int n = Check(t.Length, g.Length, y.Length);
        ref double rt = ref MemoryMarshal.GetReference(t), rg = ref MemoryMarshal.GetReference(g), ry = ref MemoryMarshal.GetReference(y);
        int j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; j <= n - 8; j += 8)
            {
                var tv = Vector512.LoadUnsafe(ref rt, (nuint)j);
                (Vector512.LoadUnsafe(ref ry, (nuint)j) + (Vector512.LoadUnsafe(ref rg, (nuint)j) * (Vector512<double>.One - (tv * tv)))).StoreUnsafe(ref ry, (nuint)j);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; j <= n - 4; j += 4)
            {
                var tv = Vector256.LoadUnsafe(ref rt, (nuint)j);
                (Vector256.LoadUnsafe(ref ry, (nuint)j) + (Vector256.LoadUnsafe(ref rg, (nuint)j) * (Vector256<double>.One - (tv * tv)))).StoreUnsafe(ref ry, (nuint)j);
            }
        }

        for (; j < n; j++)
        {
            double tj = Unsafe.Add(ref rt, j);
            Unsafe.Add(ref ry, j) += Unsafe.Add(ref rg, j) * (1 - (tj * tj));
        }
    }

    // the unchecked loads above rely on every span of a call having the same length
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Check(int a, int b, int c)
    {
        if (a != b || a != c)
        {
            ThrowLengths();
        }

        return a;
    }

    private static void ThrowLengths() => throw new ArgumentException("Row spans of one call must have the same length.");
}
