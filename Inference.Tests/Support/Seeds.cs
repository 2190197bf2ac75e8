namespace Inference.Tests.Support;

/// <summary>Named fixed seeds: every random choice in the tests comes from one of these.</summary>
internal static class Seeds
{
    public const int OpInputs = 20261122;
    public const int MatMulSizes = 7031;
    public const int Logistic = 424242;
    public const int Fits = 5150;

    /// <summary>
    /// A seed for the case named <paramref name="name"/>, the same in every process (FNV-1a of its characters):
    /// string.GetHashCode is randomized per process, so a seed made from it would change from run to run.
    /// </summary>
    public static int For(string name, int seed)
    {
        uint h = 2166136261;
        foreach (char c in name)
        {
            h = (h ^ c) * 16777619;
        }

        return (int)h ^ seed;
    }
}

/// <summary>Random tensors for tests, from an explicit seed.</summary>
internal static class TestData
{
    public static Tensor Uniform(Random rng, Shape shape, double lo, double hi)
    {
        var t = new Tensor(shape);
        for (int i = 0; i < t.Length; i++)
        {
            t[i] = lo + ((hi - lo) * rng.NextDouble());
        }

        return t;
    }

    /// <summary>Uniform on [lo, hi] but at least <paramref name="gap"/> away from zero (for kinks at 0).</summary>
    public static Tensor AwayFromZero(Random rng, Shape shape, double lo, double hi, double gap)
    {
        var t = Uniform(rng, shape, lo, hi);
        for (int i = 0; i < t.Length; i++)
        {
            if (Math.Abs(t[i]) < gap)
            {
                t[i] = t[i] < 0 ? -gap : gap;
            }
        }

        return t;
    }
}
