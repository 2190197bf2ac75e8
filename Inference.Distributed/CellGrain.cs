using Orleans.Concurrency;
using Orleans.Placement;

namespace Inference.Distributed;

/// <summary>A grain that runs one cell (one activation per attempt of a cell, keyed by grid, cell and attempt).</summary>
public interface ICellGrain : IGrainWithStringKey
{
    /// <summary>Runs <paramref name="cell"/> on this grain's silo; the caller's cancellation reaches the sampler.</summary>
    Task<CellResult> Run(GridCell cell, CancellationToken cancellationToken = default);

    /// <summary>The address of the silo this grain lives on (answered even while <see cref="Run"/> runs).</summary>
    [AlwaysInterleave]
    Task<string> Where();
}

/// <summary>
/// Runs a cell with the silo's <see cref="ModelRegistry"/> on the thread pool (not on the grain scheduler: a cell is
/// CPU-bound work of seconds or more), then deactivates. Placed on the silo with the fewest activations, so a grid's
/// cells spread over the cluster.
/// </summary>
[ActivationCountBasedPlacement]
internal sealed class CellGrain(ModelRegistry models, ILocalSiloDetails siloDetails) : Grain, ICellGrain
{
    public Task<string> Where() => Task.FromResult(siloDetails.SiloAddress.ToString());

    public async Task<CellResult> Run(GridCell cell, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cell);
        string silo = siloDetails.SiloAddress.ToString();
        try
        {
            return await Task.Run(() => CellExecutor.Run(cell, models, silo, cancellationToken), CancellationToken.None).ConfigureAwait(true);
        }
        finally
        {
            DeactivateOnIdle();
        }
    }
}
