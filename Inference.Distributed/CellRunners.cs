using System.Collections.Concurrent;
using Orleans.Runtime;

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

/// <summary>The silo a cell ran on left the cluster (died or shut down) before the cell's answer came back.</summary>
public sealed class CellLostException(string message) : Exception(message);

/// <summary>
/// Runs each attempt of a cell on a fresh <see cref="ICellGrain"/> of the cluster, and watches the cluster's
/// membership: when the silo holding an attempt is no longer active (it died, or shut down), the attempt is abandoned
/// at once with a <see cref="CellLostException"/> (the grid re-runs it elsewhere) rather than waited for.
/// </summary>
public sealed class ClusterCellRunner : ICellRunner
{
    private readonly IGrainFactory _grains;
    private readonly TimeSpan _pollInterval;
    private readonly ConcurrentDictionary<long, (string Silo, CancellationTokenSource Lost)> _watched = new();
    private readonly Lock _gate = new();
    private long _next;
    private Task? _monitor;

    /// <summary>A runner on the cluster reached by <paramref name="grains"/>; membership is checked every <paramref name="membershipPollInterval"/> (default 1 s).</summary>
    public ClusterCellRunner(IGrainFactory grains, TimeSpan? membershipPollInterval = null)
    {
        ArgumentNullException.ThrowIfNull(grains);
        _grains = grains;
        _pollInterval = membershipPollInterval ?? TimeSpan.FromSeconds(1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_pollInterval, TimeSpan.Zero, nameof(membershipPollInterval));
    }

    /// <inheritdoc/>
    public async Task<CellResult> RunAsync(string gridId, GridCell cell, int attempt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cell);
        var grain = _grains.GetGrain<ICellGrain>($"{gridId}/{cell.Key}/{attempt}");
        using var lost = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        long id = Interlocked.Increment(ref _next);
        string silo = "(not yet placed)";
        try
        {
            // the run activates the grain; where it lives is asked beside it (an interleaved call), not before it
            var call = grain.Run(cell, lost.Token);
            _ = call.ContinueWith(t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            silo = await grain.Where().WaitAsync(TimeSpan.FromSeconds(30), lost.Token).ConfigureAwait(false);
            _watched[id] = (silo, lost);
            EnsureMonitor();
            return await call.WaitAsync(lost.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && lost.IsCancellationRequested)
        {
            throw new CellLostException($"Silo {silo} left the cluster while it ran cell '{cell.Key}' (attempt {attempt}).");
        }
        finally
        {
            _watched.TryRemove(id, out _);
        }
    }

    private void EnsureMonitor()
    {
        lock (_gate)
        {
            if (_monitor is null || _monitor.IsCompleted)
            {
                _monitor = Task.Run(MonitorAsync);
            }
        }
    }

    private async Task MonitorAsync()
    {
        var management = _grains.GetGrain<IManagementGrain>(0);
        while (true)
        {
            await Task.Delay(_pollInterval).ConfigureAwait(false);
            lock (_gate)
            {
                if (_watched.IsEmpty)
                {
                    _monitor = null;
                    return;
                }
            }

            HashSet<string> active;
            try
            {
                var hosts = await management.GetHosts(onlyActive: true).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
                active = hosts.Where(h => h.Value == SiloStatus.Active).Select(h => h.Key.ToString()).ToHashSet(StringComparer.Ordinal);
            }
#pragma warning disable CA1031 // membership is asked again at the next tick
            catch (Exception)
#pragma warning restore CA1031
            {
                continue;
            }

            foreach (var (_, (silo, lost)) in _watched)
            {
                if (!active.Contains(silo))
                {
                    try
                    {
                        lost.Cancel();
                    }
                    catch (ObjectDisposedException)
                    {
                        // the attempt ended meanwhile
                    }
                }
            }
        }
    }
}
