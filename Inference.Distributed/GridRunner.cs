using System.Diagnostics;
using System.Globalization;

namespace Inference.Distributed;

/// <summary>A progress report of a grid.</summary>
/// <param name="Done">Cells finished (succeeded or failed).</param>
/// <param name="Running">Cells running now.</param>
/// <param name="Failed">Cells whose own code failed, or that ran out of attempts (counted in <paramref name="Done"/> too).</param>
/// <param name="Total">Cells of the grid.</param>
/// <param name="Retries">Attempts re-run after the place they ran on failed.</param>
public readonly record struct GridProgress(int Done, int Running, int Failed, int Total, int Retries);

/// <summary>How a grid runs.</summary>
public sealed record GridOptions
{
    /// <summary>Cells in flight at once (default: this machine's processor count).</summary>
    public int MaxConcurrentCells { get; init; } = Environment.ProcessorCount;

    /// <summary>Attempts per cell before it counts as failed: an attempt is re-run when its silo died or its connection broke.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>
    /// Wait before re-running a failed attempt, times the attempt's number (default 1 s): time for the cluster's
    /// membership to declare a dead silo dead, so that placement stops choosing it.
    /// </summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Checks the options.</summary>
    public void Validate()
    {
#pragma warning disable CA2208 // the exceptions name the offending option
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxConcurrentCells, nameof(MaxConcurrentCells));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxAttempts, nameof(MaxAttempts));
        ArgumentOutOfRangeException.ThrowIfLessThan(RetryDelay, TimeSpan.Zero, nameof(RetryDelay));
#pragma warning restore CA2208
    }
}

/// <summary>What a grid produced.</summary>
/// <param name="Results">The finished cells (succeeded or failed), in the grid's order; after a cancellation, only those that finished.</param>
/// <param name="Completed">True when every cell finished.</param>
/// <param name="Total">Cells of the grid.</param>
/// <param name="Retries">Attempts re-run after their silo failed.</param>
/// <param name="WallTime">The grid's wall time.</param>
public sealed record GridResult(IReadOnlyList<CellResult> Results, bool Completed, int Total, int Retries, TimeSpan WallTime)
{
    /// <summary>The cells that failed (their own code, or out of attempts).</summary>
    public IReadOnlyList<CellResult> Failed => Results.Where(r => r.Error is not null).ToArray();

    /// <summary>The result of the cell named <paramref name="key"/>.</summary>
    /// <exception cref="KeyNotFoundException">No finished cell has that key.</exception>
    public CellResult this[string key] => Results.FirstOrDefault(r => r.Cell.Key == key) ?? throw new KeyNotFoundException($"No finished cell '{key}'.");

    /// <summary>
    /// Writes each succeeded cell as a local run writes it (<c>output_N.csv</c>, <c>summary.json</c>) into
    /// <c>&lt;folder&gt;/&lt;cell key&gt;/</c>; returns the paths.
    /// </summary>
    public IReadOnlyList<string> WriteFiles(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        var files = new List<string>();
        foreach (var r in Results.Where(r => r.Error is null))
        {
            files.AddRange(r.WriteFiles(Path.Combine(folder, SafeName(r.Cell.Key))));
        }

        return files;
    }

    internal static string SafeName(string key)
    {
        var invalid = Path.GetInvalidFileNameChars();
        return new string(key.Select(c => invalid.Contains(c) || c == '/' || c == '\\' ? '_' : c).ToArray());
    }
}

/// <summary>
/// Runs a list of cells, some at once, on a <see cref="ICellRunner"/> (this process, or a cluster): reports progress,
/// honours cancellation (the cells in flight are cancelled; the finished ones are returned), and re-runs an attempt
/// whose silo failed. A cell's seed is fixed by the cell, so a re-run gives the same draws, and the grid's results equal
/// the same grid run locally, bit for bit.
/// </summary>
public sealed class GridRunner
{
    private readonly ICellRunner _runner;
    private readonly GridOptions _options;

    /// <summary>A grid runner over <paramref name="runner"/>.</summary>
    public GridRunner(ICellRunner runner, GridOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(runner);
        options ??= new GridOptions();
        options.Validate();
        _runner = runner;
        _options = options;
    }

    /// <summary>A grid runner in this process, with <paramref name="models"/> (default: the catalog's).</summary>
    public static GridRunner Local(ModelRegistry? models = null, GridOptions? options = null) => new(new LocalCellRunner(models ?? new ModelRegistry()), options);

    /// <summary>A grid runner on the cluster reached by <paramref name="grains"/> (a cluster client, or a grain factory inside a silo).</summary>
    public static GridRunner Cluster(IGrainFactory grains, GridOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(grains);
        return new(new ClusterCellRunner(grains), options);
    }

    /// <summary>Runs every cell of <paramref name="cells"/>.</summary>
    /// <exception cref="ArgumentException">A cell is invalid, or two cells share a key (before any cell runs).</exception>
    public async Task<GridResult> RunAsync(IReadOnlyList<GridCell> cells, IProgress<GridProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cells);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < cells.Count; i++)
        {
            if (cells[i] is null)
            {
                throw new ArgumentException($"Cell {i} is null.", nameof(cells));
            }

            try
            {
                cells[i].Validate();
            }
            catch (ArgumentException ex)
            {
                throw new ArgumentException($"Cell {i} ('{cells[i].Key}') is invalid: {ex.Message}", nameof(cells), ex);
            }

            if (!keys.Add(cells[i].Key))
            {
                throw new ArgumentException($"Two cells have the key '{cells[i].Key}'.", nameof(cells));
            }
        }

        string gridId = Guid.NewGuid().ToString("N", CultureInfo.InvariantCulture);
        var watch = Stopwatch.StartNew();
        var state = new State(cells.Count, progress);
        using var slots = new SemaphoreSlim(_options.MaxConcurrentCells);
        var tasks = cells.Select(cell => RunCell(gridId, cell, slots, state, cancellationToken)).ToArray();
        var results = await Task.WhenAll(tasks).ConfigureAwait(false);
        var finished = results.Where(r => r is not null).Select(r => r!).ToArray();
        return new GridResult(finished, finished.Length == cells.Count, cells.Count, state.Retries, watch.Elapsed);
    }

    private async Task<CellResult?> RunCell(string gridId, GridCell cell, SemaphoreSlim slots, State state, CancellationToken cancellationToken)
    {
        try
        {
            await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return null;
        }

        try
        {
            string lastError = "";
            for (int attempt = 1; attempt <= _options.MaxAttempts; attempt++)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    return null;
                }

                CellResult result;
                state.Started();
                try
                {
                    result = await _runner.RunAsync(gridId, cell, attempt, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception) when (cancellationToken.IsCancellationRequested)
                {
                    state.Stopped();
                    return null;
                }
                catch (Exception ex)
                {
                    // the place it ran on failed (a silo died, a connection broke): run it again elsewhere
                    lastError = $"{ex.GetType().Name}: {ex.Message}";
                    state.Retried();
                    if (!await Pause(attempt, cancellationToken).ConfigureAwait(false))
                    {
                        return null;
                    }

                    continue;
                }

                if (!result.Completed && result.Error is null)
                {
                    if (cancellationToken.IsCancellationRequested)
                    {
                        state.Stopped();
                        return null;
                    }

                    // stopped without the grid asking (its silo shut down under it): run it again
                    lastError = "the cell was stopped before it finished";
                    state.Retried();
                    if (!await Pause(attempt, cancellationToken).ConfigureAwait(false))
                    {
                        return null;
                    }

                    continue;
                }

                result = result.WithAttempts(attempt);
                state.Finished(result.Error is not null);
                return result;
            }

            var failed = new CellResult { Cell = cell, Error = $"Gave up after {_options.MaxAttempts} attempts; the last: {lastError}", ErrorType = "attempts", Attempts = _options.MaxAttempts };
            state.Finished(failed: true, wasRunning: false);
            return failed;
        }
        finally
        {
            slots.Release();
        }
    }

    private async Task<bool> Pause(int attempt, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(_options.RetryDelay * attempt, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private sealed class State(int total, IProgress<GridProgress>? progress)
    {
        private readonly Lock _gate = new();
        private int _done, _running, _failed, _retries;

        public int Retries
        {
            get
            {
                lock (_gate)
                {
                    return _retries;
                }
            }
        }

        public void Started() => Update(() => _running++);

        public void Stopped() => Update(() => _running--);

        public void Retried() => Update(() =>
        {
            _running--;
            _retries++;
        });

        public void Finished(bool failed, bool wasRunning = true) => Update(() =>
        {
            if (wasRunning)
            {
                _running--;
            }

            _done++;
            if (failed)
            {
                _failed++;
            }
        });

        private void Update(Action change)
        {
            lock (_gate)
            {
                change();
                progress?.Report(new GridProgress(_done, _running, _failed, total, _retries));
            }
        }
    }
}
