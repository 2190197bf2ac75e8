namespace Inference.Randomness;

/// <summary>
/// Derives independent, reproducible generator streams from one seed (the analogue of JAX key
/// splitting): stream i depends only on (seed, i), so chains drawn in parallel or one by one
/// give the same draws.
/// </summary>
public readonly struct SeedSequence
{
    /// <summary>Creates a sequence from a root seed.</summary>
    public SeedSequence(ulong seed) => Seed = seed;

    /// <summary>The root seed.</summary>
    public ulong Seed { get; }

    /// <summary>The seed of stream <paramref name="index"/>.</summary>
    public ulong StreamSeed(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ulong state = Seed ^ 0xD1B54A32D192ED03UL;
        ulong a = Rng.SplitMix64(ref state);
        ulong mixed = a ^ ((ulong)(index + 1) * 0x9E3779B97F4A7C15UL);
        return Rng.SplitMix64(ref mixed);
    }

    /// <summary>A new generator for stream <paramref name="index"/>.</summary>
    public Rng Stream(int index) => new(StreamSeed(index));

    /// <summary>The sub-sequence for stream <paramref name="index"/> (to split a stream further).</summary>
    public SeedSequence Spawn(int index) => new(StreamSeed(index));
}
