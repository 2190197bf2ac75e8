namespace Inference.Distributed;

/// <summary>Runs one attempt of a cell somewhere: in this process, or on a cluster.</summary>
public interface ICellRunner
{
    /// <summary>
    /// Runs attempt <paramref name="attempt"/> (1-based) of <paramref name="cell"/> of grid <paramref name="gridId"/>.
    /// Throws when the place it ran on failed (a silo died, a connection broke): the grid then retries the cell;
    /// a failure of the cell's own code comes back in <see cref="CellResult.Error"/>.
    /// </summary>
    Task<CellResult> RunAsync(string gridId, GridCell cell, int attempt, CancellationToken cancellationToken);
}

/// <summary>Runs cells in this process on the thread pool, with the given model registry.</summary>
public sealed class LocalCellRunner(ModelRegistry models) : ICellRunner
{
    /// <inheritdoc/>
    public Task<CellResult> RunAsync(string gridId, GridCell cell, int attempt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cell);
        return Task.Run(() => CellExecutor.Run(cell, models, "local", cancellationToken), CancellationToken.None);
    }
}

/// <summary>Runs each attempt of a cell on a fresh <see cref="ICellGrain"/> of the cluster.</summary>
public sealed class ClusterCellRunner(IGrainFactory grains) : ICellRunner
{
    /// <inheritdoc/>
    public Task<CellResult> RunAsync(string gridId, GridCell cell, int attempt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cell);
        var grain = grains.GetGrain<ICellGrain>($"{gridId}/{cell.Key}/{attempt}");
        return grain.Run(cell, cancellationToken);
    }
}
