namespace Inference.Diagnostics;

/// <summary>Operations on draws held as chains × iterations (jagged arrays of equal length).</summary>
internal static class DrawMatrix
{
    /// <summary>R's .Machine$double.eps (2⁻⁵²).</summary>
    public const double MachineEpsilon = 2.220446049250313e-16;

    public static void Validate(IReadOnlyList<double[]> chains, string paramName)
    {
        ArgumentNullException.ThrowIfNull(chains, paramName);
        if (chains.Count == 0)
        {
            throw new ArgumentException("At least one chain is needed.", paramName);
        }

        int n = chains[0]?.Length ?? throw new ArgumentException("Chain 0 is null.", paramName);
        for (int c = 1; c < chains.Count; c++)
        {
            if (chains[c] is null || chains[c].Length != n)
            {
                throw new ArgumentException($"All chains must have the same length; chain 0 has {n} draws, chain {c} has {chains[c]?.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}.", paramName);
            }
        }
    }

    public static double[] Pooled(IReadOnlyList<double[]> chains) => chains.SelectMany(c => c).ToArray();

    /// <summary>Not computable: a non-finite draw, or all draws equal (range below machine epsilon), as posterior decides.</summary>
    public static bool ShouldReturnNaN(IReadOnlyList<double[]> chains)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (var chain in chains)
        {
            foreach (double v in chain)
            {
                if (!double.IsFinite(v))
                {
                    return true;
                }

                min = Math.Min(min, v);
                max = Math.Max(max, v);
            }
        }

        // R: is_constant(x) is abs(max − min) < .Machine$double.eps
        return Math.Abs(max - min) < MachineEpsilon;
    }

    /// <summary>
    /// Each chain in halves (posterior 1.4.0): draws 1..⌊n/2⌋ and ⌈n/2 + 1⌉..n (1-based), so for odd n the middle
    /// draw is dropped.
    /// </summary>
    public static double[][] Split(IReadOnlyList<double[]> chains)
    {
        int n = chains[0].Length;
        double half = n / 2.0;
        int firstLength = (int)Math.Floor(half);
        int secondStart = (int)Math.Ceiling(half + 1) - 1;
        var result = new double[chains.Count * 2][];
        for (int c = 0; c < chains.Count; c++)
        {
            result[2 * c] = chains[c][..firstLength];
            result[(2 * c) + 1] = chains[c][secondStart..];
        }

        return result;
    }

    /// <summary>Rank normalization: pooled average ranks r, z = Φ⁻¹((r − 3/8)/(S + 1/4)).</summary>
    public static double[][] ZScale(IReadOnlyList<double[]> chains)
    {
        var pooled = Pooled(chains);
        int s = pooled.Length;
        var order = Enumerable.Range(0, s).ToArray();
        Array.Sort(pooled.ToArray(), order);
        var ranks = new double[s];
        for (int i = 0; i < s;)
        {
            int j = i;
            while (j + 1 < s && pooled[order[j + 1]] == pooled[order[i]])
            {
                j++;
            }

            double average = ((i + 1) + (j + 1)) / 2.0;
            for (int k = i; k <= j; k++)
            {
                ranks[order[k]] = average;
            }

            i = j + 1;
        }

        var result = new double[chains.Count][];
        int cursor = 0;
        for (int c = 0; c < chains.Count; c++)
        {
            result[c] = new double[chains[c].Length];
            for (int i = 0; i < result[c].Length; i++)
            {
                result[c][i] = MathNet.Numerics.Distributions.Normal.InvCDF(0, 1, (ranks[cursor++] - 0.375) / (s + 0.25));
            }
        }

        return result;
    }

    public static double[][] Map(IReadOnlyList<double[]> chains, Func<double, double> f) =>
        chains.Select(c => c.Select(f).ToArray()).ToArray();

    /// <summary>Sample variance with the n − 1 denominator.</summary>
    public static double Variance(ReadOnlySpan<double> x)
    {
        double mean = 0;
        foreach (double v in x)
        {
            mean += v;
        }

        mean /= x.Length;
        double ss = 0;
        foreach (double v in x)
        {
            ss += (v - mean) * (v - mean);
        }

        return ss / (x.Length - 1);
    }
}
