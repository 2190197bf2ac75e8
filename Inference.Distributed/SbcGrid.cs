using System.Globalization;
using Inference.Randomness;

namespace Inference.Distributed;

/// <summary>One replication of simulation-based calibration: its cell (simulated data, seed) and the true values.</summary>
/// <param name="Cell">The cell fitting the simulated data.</param>
/// <param name="Truth">The parameter values the data was simulated from, by column name.</param>
public sealed record SbcReplication(GridCell Cell, IReadOnlyDictionary<string, double> Truth);

/// <summary>What one simulation drew: the true parameter values by column name and the data as Stan JSON.</summary>
/// <param name="Truth">True values by column name.</param>
/// <param name="Data">The simulated data (Stan JSON text, e.g. from <see cref="StanJson.From"/>).</param>
public sealed record SbcSimulation(IReadOnlyDictionary<string, double> Truth, string Data);

/// <summary>The SBC ranks of each parameter: the rank of the truth among <see cref="Draws"/> posterior draws, per replication.</summary>
/// <param name="Ranks">Ranks 0..<see cref="Draws"/> by parameter, one per replication (in the grid's order).</param>
/// <param name="Draws">Thinned posterior draws each rank is taken among.</param>
public sealed record SbcRanks(IReadOnlyDictionary<string, int[]> Ranks, int Draws)
{
    /// <summary>Pearson's χ² of <paramref name="parameter"/>'s ranks over <paramref name="bins"/> equal bins (uniform under calibration).</summary>
    /// <exception cref="ArgumentException">The bins do not divide the Draws + 1 rank values evenly.</exception>
    public double ChiSquare(string parameter, int bins)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 2);
        if ((Draws + 1) % bins != 0)
        {
            throw new ArgumentException($"{bins} bins do not divide the {Draws + 1} rank values evenly.", nameof(bins));
        }

        var ranks = Ranks[parameter];
        var counts = new int[bins];
        foreach (int rank in ranks)
        {
            counts[rank * bins / (Draws + 1)]++;
        }

        double expected = (double)ranks.Length / bins;
        return counts.Sum(c => (c - expected) * (c - expected) / expected);
    }
}

/// <summary>
/// Simulation-based calibration (Talts et al. 2018) as a grid: each replication draws parameters from the prior and
/// data from the model (here, where the grid is built, from explicit seeds), and fits the data in its own cell.
/// </summary>
public static class SbcGrid
{
    /// <summary>
    /// The replications: replication r simulates with stream 0 of <c>new SeedSequence(seed).Spawn(r)</c> and samples
    /// with that sequence's stream seed 1. Keys are <c>sbc/r</c>.
    /// </summary>
    public static IReadOnlyList<SbcReplication> Replications(string model, string sampler, CellSettings settings, int count, ulong seed, Func<Rng, SbcSimulation> simulate)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(sampler);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentNullException.ThrowIfNull(simulate);
        var seeds = new SeedSequence(seed);
        var replications = new SbcReplication[count];
        for (int r = 0; r < count; r++)
        {
            var sequence = seeds.Spawn(r);
            var simulation = simulate(sequence.Stream(0));
            var cell = new GridCell(string.Create(CultureInfo.InvariantCulture, $"sbc/{r}"), model, simulation.Data, sampler, settings, sequence.StreamSeed(1));
            replications[r] = new SbcReplication(cell, simulation.Truth);
        }

        return replications;
    }

    /// <summary>
    /// The ranks: for each replication, the count of draws (every <paramref name="thin"/>-th of each chain, chains pooled)
    /// below the truth.
    /// </summary>
    /// <exception cref="ArgumentException">A replication did not finish, or the replications' draw counts differ.</exception>
    public static SbcRanks Ranks(IReadOnlyList<SbcReplication> replications, GridResult result, int thin = 1)
    {
        ArgumentNullException.ThrowIfNull(replications);
        ArgumentNullException.ThrowIfNull(result);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(thin);
        var byKey = result.Results.Where(r => r.Succeeded).ToDictionary(r => r.Cell.Key, StringComparer.Ordinal);
        var parameters = replications[0].Truth.Keys.ToArray();
        var ranks = parameters.ToDictionary(p => p, _ => new int[replications.Count], StringComparer.Ordinal);
        int draws = -1;
        for (int i = 0; i < replications.Count; i++)
        {
            var rep = replications[i];
            if (!byKey.TryGetValue(rep.Cell.Key, out var cell))
            {
                throw new ArgumentException($"Replication '{rep.Cell.Key}' did not finish.", nameof(result));
            }

            var d = cell.ToDraws();
            foreach (string p in parameters)
            {
                var kept = d.Column(p).SelectMany(chain => chain.Where((_, k) => k % thin == 0)).ToArray();
                if (draws < 0)
                {
                    draws = kept.Length;
                }
                else if (draws != kept.Length)
                {
                    throw new ArgumentException($"Replication '{rep.Cell.Key}' has {kept.Length} draws of {p}, others {draws}.", nameof(result));
                }

                ranks[p][i] = kept.Count(v => v < rep.Truth[p]);
            }
        }

        return new SbcRanks(ranks, draws);
    }
}
