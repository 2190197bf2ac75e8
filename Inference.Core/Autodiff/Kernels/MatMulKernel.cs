using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Inference.Autodiff.Kernels;

/// <summary>
/// Register-blocked float64 matrix kernels on <see cref="Vector{T}"/> (4 rows × 2 vectors of
/// accumulators). All matrices are row-major; the left operand may be read transposed through its strides.
/// </summary>
internal static class MatMulKernel
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<double> MulAdd(Vector<double> a, Vector<double> b, Vector<double> c) =>
        // IsSupported checks are JIT-time constants (a static readonly flag is not, in methods compiled
        // with AggressiveOptimization before the class is initialized: that cost 4× here).
        Fma.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported ? Vector.FusedMultiplyAdd(a, b, c) : (a * b) + c;

    /// <summary>
    /// C[m,n] (+)= A·B where A[i,p] = a[i·rowStrideA + p·colStrideA] and B is row-major k×n.
    /// (rowStrideA, colStrideA) = (k, 1) reads A as stored; (1, m) reads a stored k×m matrix transposed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Gemm(ReadOnlySpan<double> a, int rowStrideA, int colStrideA, ReadOnlySpan<double> b, Span<double> c, int m, int k, int n, bool accumulate)
    {
        // without accumulate the accumulators start at zero instead of C: no clearing pass over C
        if (m == 0 || n == 0 || k == 0)
        {
            return;
        }

        if (Vector512.IsHardwareAccelerated && n % 8 != 0 && n >= 4 && n < PaddedColumns && m >= 8)
        {
            GemmPadded(a, rowStrideA, colStrideA, b, c, m, k, n, accumulate);
            return;
        }

        if (n < NarrowColumns && !(Vector512.IsHardwareAccelerated && n % 8 == 0) && k >= 2 * Vector<double>.Count && colStrideA == 1 && rowStrideA == k && m >= 4)
        {
            GemmNarrow(a, b, c, m, k, n, accumulate);
            return;
        }

        // Every strip of rows reads all of B: when B outgrows the L1 cache (a weight gradient xᵀ·g sums over a batch
        // of 128 rows), it is taken in slabs of rows that fit, each slab continuing the sums in C. Every entry of
        // C is still one chain of fused multiply-adds in the same order, so the result is the same to the bit.
        // (Measured at batch 128: the weight gradients 64×128·128×64 and 50×128·128×64 took 20–30% less time; a
        // forward product with k = 64 did not gain, so B must be at least twice the budget.)
        int slab = Math.Max(8, L1Doubles / n);
        if (k >= 2 * slab && m > 4)
        {
            int slabs = (k + slab - 1) / slab;
            slab = (k + slabs - 1) / slabs;
            for (int p0 = 0; p0 < k; p0 += slab)
            {
                int kc = Math.Min(slab, k - p0);
                GemmCore(a[(p0 * colStrideA)..], rowStrideA, colStrideA, b.Slice(p0 * n, kc * n), c, m, kc, n, accumulate || p0 > 0);
            }

            return;
        }

        GemmCore(a, rowStrideA, colStrideA, b, c, m, k, n, accumulate);
    }

    // doubles of B that stay in L1 alongside the A strip and C tiles (32 KiB of a 48 KiB L1)
    private const int L1Doubles = 4096;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GemmCore(ReadOnlySpan<double> a, int rowStrideA, int colStrideA, ReadOnlySpan<double> b, Span<double> c, int m, int k, int n, bool accumulate)
    {
        int w = Vector<double>.Count;
        ref double ar = ref MemoryMarshal.GetReference(a);
        ref double br = ref MemoryMarshal.GetReference(b);
        ref double cr = ref MemoryMarshal.GetReference(c);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            // 8-row strips: twice the accumulators of a 4-row strip, so each row of B is loaded half as often (10–20%
            // faster than 4-row strips on the 128-row products of a VI step, measured interleaved)
            for (; i + 8 <= m; i += 8)
            {
                int a0 = i * rowStrideA;
                ref double c0 = ref Unsafe.Add(ref cr, i * n);
                int j = Gemm512Block8(ref ar, a0, rowStrideA, colStrideA, ref br, ref c0, n, k, accumulate);
                if (j < n)
                {
                    Strip4(ref ar, a0, rowStrideA, colStrideA, ref br, ref c0, n, k, accumulate, j);
                    Strip4(ref ar, a0 + (4 * rowStrideA), rowStrideA, colStrideA, ref br, ref Unsafe.Add(ref c0, 4 * n), n, k, accumulate, j);
                }
            }
        }

        for (; i + 4 <= m; i += 4)
        {
            int a0 = i * rowStrideA;
            ref double c0 = ref Unsafe.Add(ref cr, i * n);
            int j = Vector512.IsHardwareAccelerated ? Gemm512Block(ref ar, a0, rowStrideA, colStrideA, ref br, ref c0, n, k, accumulate) : 0;
            Strip4(ref ar, a0, rowStrideA, colStrideA, ref br, ref c0, n, k, accumulate, j);
        }

        for (; i < m; i++)
        {
            int a0 = i * rowStrideA;
            ref double c0 = ref Unsafe.Add(ref cr, i * n);
            int j = 0;
            for (; j + w <= n; j += w)
            {
                var s0 = accumulate ? Vector.LoadUnsafe(ref c0, (nuint)j) : Vector<double>.Zero;
                int pa = 0;
                for (int p = 0; p < k; p++, pa += colStrideA)
                {
                    s0 = MulAdd(new Vector<double>(Unsafe.Add(ref ar, a0 + pa)), Vector.LoadUnsafe(ref Unsafe.Add(ref br, (p * n) + j)), s0);
                }

                s0.StoreUnsafe(ref c0, (nuint)j);
            }

            for (; j < n; j++)
            {
                double t0 = accumulate ? Unsafe.Add(ref c0, j) : 0;
                int pa = 0;
                for (int p = 0; p < k; p++, pa += colStrideA)
                {
                    t0 += Unsafe.Add(ref ar, a0 + pa) * Unsafe.Add(ref br, (p * n) + j);
                }

                Unsafe.Add(ref c0, j) = t0;
            }
        }
    }

    /// <summary>Columns <paramref name="j"/>… of a 4-row strip of C in <see cref="Vector{T}"/> tiles, then scalar.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Strip4(ref double ar, int a0, int rowStrideA, int colStrideA, ref double br, ref double c0, int n, int k, bool accumulate, int j)
    {
        int w = Vector<double>.Count;
        int a1 = a0 + rowStrideA, a2 = a1 + rowStrideA, a3 = a2 + rowStrideA;
        ref double c1 = ref Unsafe.Add(ref c0, n);
        ref double c2 = ref Unsafe.Add(ref c1, n);
        ref double c3 = ref Unsafe.Add(ref c2, n);
        for (; j + (2 * w) <= n; j += 2 * w)
        {
            var s00 = accumulate ? Vector.LoadUnsafe(ref c0, (nuint)j) : Vector<double>.Zero;
            var s01 = accumulate ? Vector.LoadUnsafe(ref c0, (nuint)(j + w)) : Vector<double>.Zero;
            var s10 = accumulate ? Vector.LoadUnsafe(ref c1, (nuint)j) : Vector<double>.Zero;
            var s11 = accumulate ? Vector.LoadUnsafe(ref c1, (nuint)(j + w)) : Vector<double>.Zero;
            var s20 = accumulate ? Vector.LoadUnsafe(ref c2, (nuint)j) : Vector<double>.Zero;
            var s21 = accumulate ? Vector.LoadUnsafe(ref c2, (nuint)(j + w)) : Vector<double>.Zero;
            var s30 = accumulate ? Vector.LoadUnsafe(ref c3, (nuint)j) : Vector<double>.Zero;
            var s31 = accumulate ? Vector.LoadUnsafe(ref c3, (nuint)(j + w)) : Vector<double>.Zero;
            int pa = 0;
            for (int p = 0; p < k; p++, pa += colStrideA)
            {
                ref double bp = ref Unsafe.Add(ref br, (p * n) + j);
                var b0 = Vector.LoadUnsafe(ref bp);
                var b1 = Vector.LoadUnsafe(ref bp, (nuint)w);
                var x0 = new Vector<double>(Unsafe.Add(ref ar, a0 + pa));
                var x1 = new Vector<double>(Unsafe.Add(ref ar, a1 + pa));
                var x2 = new Vector<double>(Unsafe.Add(ref ar, a2 + pa));
                var x3 = new Vector<double>(Unsafe.Add(ref ar, a3 + pa));
                s00 = MulAdd(x0, b0, s00);
                s01 = MulAdd(x0, b1, s01);
                s10 = MulAdd(x1, b0, s10);
                s11 = MulAdd(x1, b1, s11);
                s20 = MulAdd(x2, b0, s20);
                s21 = MulAdd(x2, b1, s21);
                s30 = MulAdd(x3, b0, s30);
                s31 = MulAdd(x3, b1, s31);
            }

            s00.StoreUnsafe(ref c0, (nuint)j);
            s01.StoreUnsafe(ref c0, (nuint)(j + w));
            s10.StoreUnsafe(ref c1, (nuint)j);
            s11.StoreUnsafe(ref c1, (nuint)(j + w));
            s20.StoreUnsafe(ref c2, (nuint)j);
            s21.StoreUnsafe(ref c2, (nuint)(j + w));
            s30.StoreUnsafe(ref c3, (nuint)j);
            s31.StoreUnsafe(ref c3, (nuint)(j + w));
        }

        for (; j + w <= n; j += w)
        {
            var s0 = accumulate ? Vector.LoadUnsafe(ref c0, (nuint)j) : Vector<double>.Zero;
            var s1 = accumulate ? Vector.LoadUnsafe(ref c1, (nuint)j) : Vector<double>.Zero;
            var s2 = accumulate ? Vector.LoadUnsafe(ref c2, (nuint)j) : Vector<double>.Zero;
            var s3 = accumulate ? Vector.LoadUnsafe(ref c3, (nuint)j) : Vector<double>.Zero;
            int pa = 0;
            for (int p = 0; p < k; p++, pa += colStrideA)
            {
                var b0 = Vector.LoadUnsafe(ref Unsafe.Add(ref br, (p * n) + j));
                s0 = MulAdd(new Vector<double>(Unsafe.Add(ref ar, a0 + pa)), b0, s0);
                s1 = MulAdd(new Vector<double>(Unsafe.Add(ref ar, a1 + pa)), b0, s1);
                s2 = MulAdd(new Vector<double>(Unsafe.Add(ref ar, a2 + pa)), b0, s2);
                s3 = MulAdd(new Vector<double>(Unsafe.Add(ref ar, a3 + pa)), b0, s3);
            }

            s0.StoreUnsafe(ref c0, (nuint)j);
            s1.StoreUnsafe(ref c1, (nuint)j);
            s2.StoreUnsafe(ref c2, (nuint)j);
            s3.StoreUnsafe(ref c3, (nuint)j);
        }

        for (; j < n; j++)
        {
            double t0 = accumulate ? Unsafe.Add(ref c0, j) : 0, t1 = accumulate ? Unsafe.Add(ref c1, j) : 0, t2 = accumulate ? Unsafe.Add(ref c2, j) : 0, t3 = accumulate ? Unsafe.Add(ref c3, j) : 0;
            int pa = 0;
            for (int p = 0; p < k; p++, pa += colStrideA)
            {
                double bv = Unsafe.Add(ref br, (p * n) + j);
                t0 += Unsafe.Add(ref ar, a0 + pa) * bv;
                t1 += Unsafe.Add(ref ar, a1 + pa) * bv;
                t2 += Unsafe.Add(ref ar, a2 + pa) * bv;
                t3 += Unsafe.Add(ref ar, a3 + pa) * bv;
            }

            Unsafe.Add(ref c0, j) = t0;
            Unsafe.Add(ref c1, j) = t1;
            Unsafe.Add(ref c2, j) = t2;
            Unsafe.Add(ref c3, j) = t3;
        }
    }

    // Below this many columns of C the tiles above are mostly tail: a product with a narrow B (a layer with few
    // outputs, or the input gradient of a layer with few inputs) is done as dot products along k instead. With
    // 512-bit tiles, GemmPadded takes the widths from 4 up when m ≥ 8, so this path keeps 1–3 columns and short C.
    private const int NarrowColumns = 12;

    [ThreadStatic]
    private static double[]? t_transposed;

    // a per-thread scratch buffer of at least `length` doubles, grown when too small
    private static double[] ThreadBuffer(ref double[]? slot, int length) =>
        slot is { } buffer && buffer.Length >= length ? buffer : (slot = new double[Math.Max(length, 4096)]);

    // From 4 to this many columns, a C whose width is not a multiple of 8 is computed padded to the next multiple of 8:
    // the scalar tail columns would cost as much as all the 512-bit tiles. At batch 128 (minimum times, one run): a
    // layer with 10 outputs took 12.0 µs through the dot products of GemmNarrow and 6.4 µs padded, its weight gradient
    // 13.8 and 6.4 µs; the input gradient of a layer with 5 inputs 9.0 and 4.8 µs. Below 4 columns padding wastes more
    // than half the tiles and GemmNarrow's dot products remain; a multiple of 8 never needs them.
    private const int PaddedColumns = 64;

    [ThreadStatic]
    private static double[]? t_paddedB;

    [ThreadStatic]
    private static double[]? t_paddedC;

    /// <summary>
    /// C (+)= A·B with B and C copied into per-thread buffers whose rows are padded with zeros to a multiple of 8
    /// columns, so that every column is done by the 512-bit tiles; the padding columns are dropped on the way back.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GemmPadded(ReadOnlySpan<double> a, int rowStrideA, int colStrideA, ReadOnlySpan<double> b, Span<double> c, int m, int k, int n, bool accumulate)
    {
        int np = (n + 7) & ~7;
        var bp = ThreadBuffer(ref t_paddedB, k * np);
        var cp = ThreadBuffer(ref t_paddedC, m * np);
        for (int p = 0; p < k; p++)
        {
            b.Slice(p * n, n).CopyTo(bp.AsSpan(p * np, n));
            bp.AsSpan((p * np) + n, np - n).Clear();
        }

        if (accumulate)
        {
            for (int i = 0; i < m; i++)
            {
                c.Slice(i * n, n).CopyTo(cp.AsSpan(i * np, n));
            }
        }

        Gemm(a, rowStrideA, colStrideA, bp.AsSpan(0, k * np), cp.AsSpan(0, m * np), m, k, np, accumulate);
        for (int i = 0; i < m; i++)
        {
            cp.AsSpan(i * np, n).CopyTo(c.Slice(i * n, n));
        }
    }

    /// <summary>
    /// C (+)= A·B for a narrow B (n &lt; <see cref="NarrowColumns"/>) and A read as stored: Bᵀ is copied once into a
    /// per-thread buffer, then each C[i, j] is a dot product of A's row i with Bᵀ's row j (<see cref="GemmTransposedB"/>).
    /// </summary>
    private static void GemmNarrow(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> c, int m, int k, int n, bool accumulate)
    {
        var bt = ThreadBuffer(ref t_transposed, n * k);
        Transpose(b, bt, k, n);
        GemmTransposedB(a, bt, c, m, k, n, accumulate);
    }

    /// <summary>
    /// C[m,n] (+)= A·Bᵀ for row-major A [m,k] and B [n,k]: each entry is a dot product of two contiguous rows, four
    /// rows of B at a time, vectorized along k. For few rows of A this beats transposing B first (the input
    /// gradient of a dense layer at batch 1 is one such product per layer).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GemmTransposedB(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> c, int m, int k, int n, bool accumulate)
    {
        int w = Vector<double>.Count;
        ref double ar = ref MemoryMarshal.GetReference(a);
        ref double br = ref MemoryMarshal.GetReference(b);
        for (int i = 0; i < m; i++)
        {
            ref double ai = ref Unsafe.Add(ref ar, i * k);
            int j = 0;
            for (; j + 4 <= n; j += 4)
            {
                ref double b0 = ref Unsafe.Add(ref br, j * k);
                ref double b1 = ref Unsafe.Add(ref b0, k);
                ref double b2 = ref Unsafe.Add(ref b1, k);
                ref double b3 = ref Unsafe.Add(ref b2, k);
                var s0 = Vector<double>.Zero;
                var s1 = Vector<double>.Zero;
                var s2 = Vector<double>.Zero;
                var s3 = Vector<double>.Zero;
                int p = 0;
                for (; p + w <= k; p += w)
                {
                    var av = Vector.LoadUnsafe(ref ai, (nuint)p);
                    s0 = MulAdd(av, Vector.LoadUnsafe(ref b0, (nuint)p), s0);
                    s1 = MulAdd(av, Vector.LoadUnsafe(ref b1, (nuint)p), s1);
                    s2 = MulAdd(av, Vector.LoadUnsafe(ref b2, (nuint)p), s2);
                    s3 = MulAdd(av, Vector.LoadUnsafe(ref b3, (nuint)p), s3);
                }

                double t0 = Vector.Sum(s0), t1 = Vector.Sum(s1), t2 = Vector.Sum(s2), t3 = Vector.Sum(s3);
                for (; p < k; p++)
                {
                    double av = Unsafe.Add(ref ai, p);
                    t0 += av * Unsafe.Add(ref b0, p);
                    t1 += av * Unsafe.Add(ref b1, p);
                    t2 += av * Unsafe.Add(ref b2, p);
                    t3 += av * Unsafe.Add(ref b3, p);
                }

                Store(c, (i * n) + j, t0, accumulate);
                Store(c, (i * n) + j + 1, t1, accumulate);
                Store(c, (i * n) + j + 2, t2, accumulate);
                Store(c, (i * n) + j + 3, t3, accumulate);
            }

            for (; j < n; j++)
            {
                ref double bj = ref Unsafe.Add(ref br, j * k);
                var s0 = Vector<double>.Zero;
                int p = 0;
                for (; p + w <= k; p += w)
                {
                    s0 = MulAdd(Vector.LoadUnsafe(ref ai, (nuint)p), Vector.LoadUnsafe(ref bj, (nuint)p), s0);
                }

                double t0 = Vector.Sum(s0);
                for (; p < k; p++)
                {
                    t0 += Unsafe.Add(ref ai, p) * Unsafe.Add(ref bj, p);
                }

                Store(c, (i * n) + j, t0, accumulate);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Span<double> c, int index, double value, bool accumulate)
    {
        if (accumulate)
        {
            c[index] += value;
        }
        else
        {
            c[index] = value;
        }
    }

    /// <summary>
    /// An 8-row strip in 512-bit registers: 8 × 16 tiles (sixteen accumulators), then one 8 × 8 tile; returns the
    /// first column it did not do. Each entry is the same chain of fused multiply-adds as in the 4-row strip.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Gemm512Block8(ref double ar, int a0, int rowStrideA, int colStrideA, ref double br, ref double c0, int n, int k, bool accumulate)
    {
        const int W = 8;
        int a1 = a0 + rowStrideA, a2 = a1 + rowStrideA, a3 = a2 + rowStrideA, a4 = a3 + rowStrideA, a5 = a4 + rowStrideA, a6 = a5 + rowStrideA, a7 = a6 + rowStrideA;
        ref double c1 = ref Unsafe.Add(ref c0, n);
        ref double c2 = ref Unsafe.Add(ref c1, n);
        ref double c3 = ref Unsafe.Add(ref c2, n);
        ref double c4 = ref Unsafe.Add(ref c3, n);
        ref double c5 = ref Unsafe.Add(ref c4, n);
        ref double c6 = ref Unsafe.Add(ref c5, n);
        ref double c7 = ref Unsafe.Add(ref c6, n);
        int j = 0;
        for (; j + (2 * W) <= n; j += 2 * W)
        {
            var s00 = accumulate ? Vector512.LoadUnsafe(ref c0, (nuint)j) : Vector512<double>.Zero;
            var s01 = accumulate ? Vector512.LoadUnsafe(ref c0, (nuint)(j + W)) : Vector512<double>.Zero;
            var s10 = accumulate ? Vector512.LoadUnsafe(ref c1, (nuint)j) : Vector512<double>.Zero;
            var s11 = accumulate ? Vector512.LoadUnsafe(ref c1, (nuint)(j + W)) : Vector512<double>.Zero;
            var s20 = accumulate ? Vector512.LoadUnsafe(ref c2, (nuint)j) : Vector512<double>.Zero;
            var s21 = accumulate ? Vector512.LoadUnsafe(ref c2, (nuint)(j + W)) : Vector512<double>.Zero;
            var s30 = accumulate ? Vector512.LoadUnsafe(ref c3, (nuint)j) : Vector512<double>.Zero;
            var s31 = accumulate ? Vector512.LoadUnsafe(ref c3, (nuint)(j + W)) : Vector512<double>.Zero;
            var s40 = accumulate ? Vector512.LoadUnsafe(ref c4, (nuint)j) : Vector512<double>.Zero;
            var s41 = accumulate ? Vector512.LoadUnsafe(ref c4, (nuint)(j + W)) : Vector512<double>.Zero;
            var s50 = accumulate ? Vector512.LoadUnsafe(ref c5, (nuint)j) : Vector512<double>.Zero;
            var s51 = accumulate ? Vector512.LoadUnsafe(ref c5, (nuint)(j + W)) : Vector512<double>.Zero;
            var s60 = accumulate ? Vector512.LoadUnsafe(ref c6, (nuint)j) : Vector512<double>.Zero;
            var s61 = accumulate ? Vector512.LoadUnsafe(ref c6, (nuint)(j + W)) : Vector512<double>.Zero;
            var s70 = accumulate ? Vector512.LoadUnsafe(ref c7, (nuint)j) : Vector512<double>.Zero;
            var s71 = accumulate ? Vector512.LoadUnsafe(ref c7, (nuint)(j + W)) : Vector512<double>.Zero;
            int pa = 0;
            for (int p = 0; p < k; p++, pa += colStrideA)
            {
                ref double bp = ref Unsafe.Add(ref br, (p * n) + j);
                var b0 = Vector512.LoadUnsafe(ref bp);
                var b1 = Vector512.LoadUnsafe(ref bp, (nuint)W);
                var x0 = Vector512.Create(Unsafe.Add(ref ar, a0 + pa));
                s00 = Vector512.FusedMultiplyAdd(x0, b0, s00);
                s01 = Vector512.FusedMultiplyAdd(x0, b1, s01);
                var x1 = Vector512.Create(Unsafe.Add(ref ar, a1 + pa));
                s10 = Vector512.FusedMultiplyAdd(x1, b0, s10);
                s11 = Vector512.FusedMultiplyAdd(x1, b1, s11);
                var x2 = Vector512.Create(Unsafe.Add(ref ar, a2 + pa));
                s20 = Vector512.FusedMultiplyAdd(x2, b0, s20);
                s21 = Vector512.FusedMultiplyAdd(x2, b1, s21);
                var x3 = Vector512.Create(Unsafe.Add(ref ar, a3 + pa));
                s30 = Vector512.FusedMultiplyAdd(x3, b0, s30);
                s31 = Vector512.FusedMultiplyAdd(x3, b1, s31);
                var x4 = Vector512.Create(Unsafe.Add(ref ar, a4 + pa));
                s40 = Vector512.FusedMultiplyAdd(x4, b0, s40);
                s41 = Vector512.FusedMultiplyAdd(x4, b1, s41);
                var x5 = Vector512.Create(Unsafe.Add(ref ar, a5 + pa));
                s50 = Vector512.FusedMultiplyAdd(x5, b0, s50);
                s51 = Vector512.FusedMultiplyAdd(x5, b1, s51);
                var x6 = Vector512.Create(Unsafe.Add(ref ar, a6 + pa));
                s60 = Vector512.FusedMultiplyAdd(x6, b0, s60);
                s61 = Vector512.FusedMultiplyAdd(x6, b1, s61);
                var x7 = Vector512.Create(Unsafe.Add(ref ar, a7 + pa));
                s70 = Vector512.FusedMultiplyAdd(x7, b0, s70);
                s71 = Vector512.FusedMultiplyAdd(x7, b1, s71);
            }

            s00.StoreUnsafe(ref c0, (nuint)j);
            s01.StoreUnsafe(ref c0, (nuint)(j + W));
            s10.StoreUnsafe(ref c1, (nuint)j);
            s11.StoreUnsafe(ref c1, (nuint)(j + W));
            s20.StoreUnsafe(ref c2, (nuint)j);
            s21.StoreUnsafe(ref c2, (nuint)(j + W));
            s30.StoreUnsafe(ref c3, (nuint)j);
            s31.StoreUnsafe(ref c3, (nuint)(j + W));
            s40.StoreUnsafe(ref c4, (nuint)j);
            s41.StoreUnsafe(ref c4, (nuint)(j + W));
            s50.StoreUnsafe(ref c5, (nuint)j);
            s51.StoreUnsafe(ref c5, (nuint)(j + W));
            s60.StoreUnsafe(ref c6, (nuint)j);
            s61.StoreUnsafe(ref c6, (nuint)(j + W));
            s70.StoreUnsafe(ref c7, (nuint)j);
            s71.StoreUnsafe(ref c7, (nuint)(j + W));
        }

        if (j + W <= n)
        {
            var t0 = accumulate ? Vector512.LoadUnsafe(ref c0, (nuint)j) : Vector512<double>.Zero;
            var t1 = accumulate ? Vector512.LoadUnsafe(ref c1, (nuint)j) : Vector512<double>.Zero;
            var t2 = accumulate ? Vector512.LoadUnsafe(ref c2, (nuint)j) : Vector512<double>.Zero;
            var t3 = accumulate ? Vector512.LoadUnsafe(ref c3, (nuint)j) : Vector512<double>.Zero;
            var t4 = accumulate ? Vector512.LoadUnsafe(ref c4, (nuint)j) : Vector512<double>.Zero;
            var t5 = accumulate ? Vector512.LoadUnsafe(ref c5, (nuint)j) : Vector512<double>.Zero;
            var t6 = accumulate ? Vector512.LoadUnsafe(ref c6, (nuint)j) : Vector512<double>.Zero;
            var t7 = accumulate ? Vector512.LoadUnsafe(ref c7, (nuint)j) : Vector512<double>.Zero;
            int pa = 0;
            for (int p = 0; p < k; p++, pa += colStrideA)
            {
                var b0 = Vector512.LoadUnsafe(ref Unsafe.Add(ref br, (p * n) + j));
                t0 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref ar, a0 + pa)), b0, t0);
                t1 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref ar, a1 + pa)), b0, t1);
                t2 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref ar, a2 + pa)), b0, t2);
                t3 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref ar, a3 + pa)), b0, t3);
                t4 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref ar, a4 + pa)), b0, t4);
                t5 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref ar, a5 + pa)), b0, t5);
                t6 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref ar, a6 + pa)), b0, t6);
                t7 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref ar, a7 + pa)), b0, t7);
            }

            t0.StoreUnsafe(ref c0, (nuint)j);
            t1.StoreUnsafe(ref c1, (nuint)j);
            t2.StoreUnsafe(ref c2, (nuint)j);
            t3.StoreUnsafe(ref c3, (nuint)j);
            t4.StoreUnsafe(ref c4, (nuint)j);
            t5.StoreUnsafe(ref c5, (nuint)j);
            t6.StoreUnsafe(ref c6, (nuint)j);
            t7.StoreUnsafe(ref c7, (nuint)j);
            j += W;
        }

        return j;
    }

    /// <summary>
    /// The 4-row strip of <see cref="Gemm"/> in 512-bit registers (4 × 16 tiles, eight accumulators), for the
    /// columns that fill whole tiles; returns the first column it did not do. The per-element sum is the same
    /// chain of fused multiply-adds in the same order as the narrower paths.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Gemm512Block(ref double ar, int a0, int rowStrideA, int colStrideA, ref double br, ref double c0, int n, int k, bool accumulate)
    {
        const int W = 8;
        int a1 = a0 + rowStrideA, a2 = a1 + rowStrideA, a3 = a2 + rowStrideA;
        ref double c1 = ref Unsafe.Add(ref c0, n);
        ref double c2 = ref Unsafe.Add(ref c1, n);
        ref double c3 = ref Unsafe.Add(ref c2, n);
        int j = 0;
        for (; j + (2 * W) <= n; j += 2 * W)
        {
            var s00 = accumulate ? Vector512.LoadUnsafe(ref c0, (nuint)j) : Vector512<double>.Zero;
            var s01 = accumulate ? Vector512.LoadUnsafe(ref c0, (nuint)(j + W)) : Vector512<double>.Zero;
            var s10 = accumulate ? Vector512.LoadUnsafe(ref c1, (nuint)j) : Vector512<double>.Zero;
            var s11 = accumulate ? Vector512.LoadUnsafe(ref c1, (nuint)(j + W)) : Vector512<double>.Zero;
            var s20 = accumulate ? Vector512.LoadUnsafe(ref c2, (nuint)j) : Vector512<double>.Zero;
            var s21 = accumulate ? Vector512.LoadUnsafe(ref c2, (nuint)(j + W)) : Vector512<double>.Zero;
            var s30 = accumulate ? Vector512.LoadUnsafe(ref c3, (nuint)j) : Vector512<double>.Zero;
            var s31 = accumulate ? Vector512.LoadUnsafe(ref c3, (nuint)(j + W)) : Vector512<double>.Zero;
            int pa = 0;
            for (int p = 0; p < k; p++, pa += colStrideA)
            {
                ref double bp = ref Unsafe.Add(ref br, (p * n) + j);
                var b0 = Vector512.LoadUnsafe(ref bp);
                var b1 = Vector512.LoadUnsafe(ref bp, (nuint)W);
                var x0 = Vector512.Create(Unsafe.Add(ref ar, a0 + pa));
                var x1 = Vector512.Create(Unsafe.Add(ref ar, a1 + pa));
                var x2 = Vector512.Create(Unsafe.Add(ref ar, a2 + pa));
                var x3 = Vector512.Create(Unsafe.Add(ref ar, a3 + pa));
                s00 = Vector512.FusedMultiplyAdd(x0, b0, s00);
                s01 = Vector512.FusedMultiplyAdd(x0, b1, s01);
                s10 = Vector512.FusedMultiplyAdd(x1, b0, s10);
                s11 = Vector512.FusedMultiplyAdd(x1, b1, s11);
                s20 = Vector512.FusedMultiplyAdd(x2, b0, s20);
                s21 = Vector512.FusedMultiplyAdd(x2, b1, s21);
                s30 = Vector512.FusedMultiplyAdd(x3, b0, s30);
                s31 = Vector512.FusedMultiplyAdd(x3, b1, s31);
            }

            s00.StoreUnsafe(ref c0, (nuint)j);
            s01.StoreUnsafe(ref c0, (nuint)(j + W));
            s10.StoreUnsafe(ref c1, (nuint)j);
            s11.StoreUnsafe(ref c1, (nuint)(j + W));
            s20.StoreUnsafe(ref c2, (nuint)j);
            s21.StoreUnsafe(ref c2, (nuint)(j + W));
            s30.StoreUnsafe(ref c3, (nuint)j);
            s31.StoreUnsafe(ref c3, (nuint)(j + W));
        }

        // one more 8-column tile (a narrow C, such as a layer with 10 outputs)
        if (j + W <= n)
        {
            var s0 = accumulate ? Vector512.LoadUnsafe(ref c0, (nuint)j) : Vector512<double>.Zero;
            var s1 = accumulate ? Vector512.LoadUnsafe(ref c1, (nuint)j) : Vector512<double>.Zero;
            var s2 = accumulate ? Vector512.LoadUnsafe(ref c2, (nuint)j) : Vector512<double>.Zero;
            var s3 = accumulate ? Vector512.LoadUnsafe(ref c3, (nuint)j) : Vector512<double>.Zero;
            int pa = 0;
            for (int p = 0; p < k; p++, pa += colStrideA)
            {
                var b0 = Vector512.LoadUnsafe(ref Unsafe.Add(ref br, (p * n) + j));
                s0 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref ar, a0 + pa)), b0, s0);
                s1 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref ar, a1 + pa)), b0, s1);
                s2 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref ar, a2 + pa)), b0, s2);
                s3 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref ar, a3 + pa)), b0, s3);
            }

            s0.StoreUnsafe(ref c0, (nuint)j);
            s1.StoreUnsafe(ref c1, (nuint)j);
            s2.StoreUnsafe(ref c2, (nuint)j);
            s3.StoreUnsafe(ref c3, (nuint)j);
            j += W;
        }

        return j;
    }

    /// <summary>y[m] (+)= A[m,k]·x[k], four rows at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Gemv(ReadOnlySpan<double> a, ReadOnlySpan<double> x, Span<double> y, int m, int k, bool accumulate)
    {
        int w = Vector<double>.Count;
        ref double ar = ref MemoryMarshal.GetReference(a);
        ref double xr = ref MemoryMarshal.GetReference(x);
        int i = 0;
        for (; i + 4 <= m; i += 4)
        {
            ref double r0 = ref Unsafe.Add(ref ar, i * k);
            ref double r1 = ref Unsafe.Add(ref r0, k);
            ref double r2 = ref Unsafe.Add(ref r1, k);
            ref double r3 = ref Unsafe.Add(ref r2, k);
            var s0 = Vector<double>.Zero;
            var s1 = Vector<double>.Zero;
            var s2 = Vector<double>.Zero;
            var s3 = Vector<double>.Zero;
            int p = 0;
            for (; p + w <= k; p += w)
            {
                var xv = Vector.LoadUnsafe(ref xr, (nuint)p);
                s0 = MulAdd(Vector.LoadUnsafe(ref r0, (nuint)p), xv, s0);
                s1 = MulAdd(Vector.LoadUnsafe(ref r1, (nuint)p), xv, s1);
                s2 = MulAdd(Vector.LoadUnsafe(ref r2, (nuint)p), xv, s2);
                s3 = MulAdd(Vector.LoadUnsafe(ref r3, (nuint)p), xv, s3);
            }

            double t0 = Vector.Sum(s0), t1 = Vector.Sum(s1), t2 = Vector.Sum(s2), t3 = Vector.Sum(s3);
            for (; p < k; p++)
            {
                double xv = Unsafe.Add(ref xr, p);
                t0 += Unsafe.Add(ref r0, p) * xv;
                t1 += Unsafe.Add(ref r1, p) * xv;
                t2 += Unsafe.Add(ref r2, p) * xv;
                t3 += Unsafe.Add(ref r3, p) * xv;
            }

            if (accumulate)
            {
                y[i] += t0;
                y[i + 1] += t1;
                y[i + 2] += t2;
                y[i + 3] += t3;
            }
            else
            {
                y[i] = t0;
                y[i + 1] = t1;
                y[i + 2] = t2;
                y[i + 3] = t3;
            }
        }

        for (; i < m; i++)
        {
            double t = System.Numerics.Tensors.TensorPrimitives.Dot(a.Slice(i * k, k), x);
            y[i] = accumulate ? y[i] + t : t;
        }
    }

    /// <summary>y[k] += Aᵀ·g for A[m,k] row-major, four rows of A per pass over y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GemvTransposedAccumulate(ReadOnlySpan<double> a, ReadOnlySpan<double> g, Span<double> y, int m, int k)
    {
        int w = Vector<double>.Count;
        ref double ar = ref MemoryMarshal.GetReference(a);
        ref double yr = ref MemoryMarshal.GetReference(y);
        int i = 0;
        for (; i + 4 <= m; i += 4)
        {
            ref double r0 = ref Unsafe.Add(ref ar, i * k);
            ref double r1 = ref Unsafe.Add(ref r0, k);
            ref double r2 = ref Unsafe.Add(ref r1, k);
            ref double r3 = ref Unsafe.Add(ref r2, k);
            double g0 = g[i], g1 = g[i + 1], g2 = g[i + 2], g3 = g[i + 3];
            var v0 = new Vector<double>(g0);
            var v1 = new Vector<double>(g1);
            var v2 = new Vector<double>(g2);
            var v3 = new Vector<double>(g3);
            int p = 0;
            for (; p + w <= k; p += w)
            {
                var acc = Vector.LoadUnsafe(ref yr, (nuint)p);
                acc = MulAdd(v0, Vector.LoadUnsafe(ref r0, (nuint)p), acc);
                acc = MulAdd(v1, Vector.LoadUnsafe(ref r1, (nuint)p), acc);
                acc = MulAdd(v2, Vector.LoadUnsafe(ref r2, (nuint)p), acc);
                acc = MulAdd(v3, Vector.LoadUnsafe(ref r3, (nuint)p), acc);
                acc.StoreUnsafe(ref yr, (nuint)p);
            }

            for (; p < k; p++)
            {
                Unsafe.Add(ref yr, p) += (g0 * Unsafe.Add(ref r0, p)) + (g1 * Unsafe.Add(ref r1, p)) + (g2 * Unsafe.Add(ref r2, p)) + (g3 * Unsafe.Add(ref r3, p));
            }
        }

        for (; i < m; i++)
        {
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(a.Slice(i * k, k), g[i], y[..k], y[..k]);
        }
    }

    /// <summary>
    /// y[n] += Σᵢ A[i, ·] for A[m,n] row-major (a bias gradient), four rows per pass over y; each entry is added to in
    /// row order, as a row-by-row loop would.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddColumnSums(ReadOnlySpan<double> a, Span<double> y, int m, int n)
    {
        int w = Vector<double>.Count;
        ref double ar = ref MemoryMarshal.GetReference(a);
        ref double yr = ref MemoryMarshal.GetReference(y);
        int i = 0;
        for (; i + 4 <= m; i += 4)
        {
            ref double r0 = ref Unsafe.Add(ref ar, i * n);
            ref double r1 = ref Unsafe.Add(ref r0, n);
            ref double r2 = ref Unsafe.Add(ref r1, n);
            ref double r3 = ref Unsafe.Add(ref r2, n);
            int p = 0;
            for (; p + w <= n; p += w)
            {
                var acc = Vector.LoadUnsafe(ref yr, (nuint)p) + Vector.LoadUnsafe(ref r0, (nuint)p);
                acc += Vector.LoadUnsafe(ref r1, (nuint)p);
                acc += Vector.LoadUnsafe(ref r2, (nuint)p);
                acc += Vector.LoadUnsafe(ref r3, (nuint)p);
                acc.StoreUnsafe(ref yr, (nuint)p);
            }

            for (; p < n; p++)
            {
                Unsafe.Add(ref yr, p) = Unsafe.Add(ref yr, p) + Unsafe.Add(ref r0, p) + Unsafe.Add(ref r1, p) + Unsafe.Add(ref r2, p) + Unsafe.Add(ref r3, p);
            }
        }

        for (; i < m; i++)
        {
            System.Numerics.Tensors.TensorPrimitives.Add(y[..n], a.Slice(i * n, n), y[..n]);
        }
    }

    /// <summary>dst[n,m] = srcᵀ for src[m,n], in 8×8 tiles.</summary>
    public static void Transpose(ReadOnlySpan<double> src, Span<double> dst, int m, int n)
    {
        const int T = 8;
        for (int i0 = 0; i0 < m; i0 += T)
        {
            int i1 = Math.Min(i0 + T, m);
            for (int j0 = 0; j0 < n; j0 += T)
            {
                int j1 = Math.Min(j0 + T, n);
                for (int i = i0; i < i1; i++)
                {
                    for (int j = j0; j < j1; j++)
                    {
                        dst[(j * m) + i] = src[(i * n) + j];
                    }
                }
            }
        }
    }
}
