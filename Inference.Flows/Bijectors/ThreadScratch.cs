namespace Inference.Flows.Bijectors;

/// <summary>
/// A per-thread scratch buffer for the fused flow nodes (the affine coupling's and the IAF layer's), grown when too
/// small. A node uses it only within one forward or backward call, and those calls do not nest, so one buffer per
/// thread serves them all; two threads running the same layer each have their own.
/// </summary>
internal static class ThreadScratch
{
    [ThreadStatic]
    private static double[]? t_buffer;

    public static Span<double> Get(int length)
    {
        var buffer = t_buffer is { } b && b.Length >= length ? b : (t_buffer = new double[Math.Max(length, 1024)]);
        return buffer.AsSpan(0, length);
    }
}
