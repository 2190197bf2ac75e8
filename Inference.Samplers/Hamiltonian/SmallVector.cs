using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Inference.Samplers.Hamiltonian;

/// <summary>
/// Elementwise kernels of the leapfrog and the NUTS tree (sums, scaled sums, products, copies) as plain loops for the
/// short vectors of small models, where the vectorized library calls cost more in their overlap checks and dispatch than
/// in arithmetic (perf on the 2-D Rosenbrock: 15% of the sampler's time); longer vectors go to TensorPrimitives. Each
/// element is one IEEE operation either way ((x · s) + a is not fused in either), so the results are the same bits.
/// </summary>
internal static class SmallVector
{
    private const int Short = 16;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Add(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> destination)
    {
        if (destination.Length > Short || a.Length != destination.Length || b.Length != destination.Length)
        {
            TensorPrimitives.Add(a, b, destination);
            return;
        }

        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = a[i] + b[i];
        }
    }

    /// <summary>destination = (x · s) + addend.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MultiplyAdd(ReadOnlySpan<double> x, double s, ReadOnlySpan<double> addend, Span<double> destination)
    {
        if (destination.Length > Short || x.Length != destination.Length || addend.Length != destination.Length)
        {
            TensorPrimitives.MultiplyAdd(x, s, addend, destination);
            return;
        }

        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = (x[i] * s) + addend[i];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Multiply(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> destination)
    {
        if (destination.Length > Short || a.Length != destination.Length || b.Length != destination.Length)
        {
            TensorPrimitives.Multiply(a, b, destination);
            return;
        }

        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = a[i] * b[i];
        }
    }

    /// <summary>A span copy (no Array.Copy type checks).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Copy(double[] source, double[] destination) => source.AsSpan().CopyTo(destination);
}
