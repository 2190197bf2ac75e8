using Inference.Results;

namespace Inference.Distributed;

/// <summary>
/// One chain of a cell's result: its draws, Stan's per-draw statistics, its adaptation and its own timings. It travels
/// as <see cref="ChainResultTransfer"/> (the arrays packed into blocks of bytes), not field by field.
/// </summary>
public sealed class ChainResult
{
    /// <summary>Draws × columns, row-major.</summary>
    public double[] Values { get; init; } = [];

    /// <summary>Draws recorded.</summary>
    public int Draws { get; init; }

    /// <summary>lp__ per draw.</summary>
    public double[] LogDensity { get; init; } = [];

    /// <summary>accept_stat__ per draw.</summary>
    public double[] AcceptStat { get; init; } = [];

    /// <summary>stepsize__ per draw.</summary>
    public double[] StepSizes { get; init; } = [];

    /// <summary>treedepth__ per draw.</summary>
    public int[] TreeDepth { get; init; } = [];

    /// <summary>n_leapfrog__ per draw.</summary>
    public int[] LeapfrogSteps { get; init; } = [];

    /// <summary>divergent__ per draw.</summary>
    public bool[] Divergent { get; init; } = [];

    /// <summary>energy__ per draw.</summary>
    public double[] Energy { get; init; } = [];

    /// <summary>Saved warmup draws, rows × columns.</summary>
    public double[] WarmupValues { get; init; } = [];

    /// <summary>Number of saved warmup draws.</summary>
    public int WarmupDraws { get; init; }

    /// <summary>The adapted step size.</summary>
    public double StepSize { get; init; }

    /// <summary>The adapted inverse metric's diagonal.</summary>
    public double[] InverseMetricDiagonal { get; init; } = [];

    /// <summary>The dense inverse metric (row-major), when dense.</summary>
    public double[]? InverseMetricMatrix { get; init; }

    /// <summary>Wall time of warmup.</summary>
    public TimeSpan WarmupTime { get; init; }

    /// <summary>Wall time of sampling.</summary>
    public TimeSpan SamplingTime { get; init; }

    /// <summary>Gradients during warmup.</summary>
    public long WarmupGradients { get; init; }

    /// <summary>Gradients during sampling.</summary>
    public long SamplingGradients { get; init; }

    /// <summary>The chain's stream seed.</summary>
    public ulong Seed { get; init; }

    /// <summary>How the chain ended (<see cref="ChainStatus"/> as its number).</summary>
    public int Status { get; init; }

    /// <summary>The chain's record from a run.</summary>
    public static ChainResult From(ChainDraws c)
    {
        ArgumentNullException.ThrowIfNull(c);
        int n = c.Draws;
        var logDensity = new double[n];
        var acceptStat = new double[n];
        var stepSizes = new double[n];
        var treeDepth = new int[n];
        var leapfrogSteps = new int[n];
        var divergent = new bool[n];
        var energy = new double[n];
        var stats = c.Stats;
        for (int i = 0; i < n; i++)
        {
            var s = stats[i];
            logDensity[i] = s.LogDensity;
            acceptStat[i] = s.AcceptStat;
            stepSizes[i] = s.StepSize;
            treeDepth[i] = s.TreeDepth;
            leapfrogSteps[i] = s.LeapfrogSteps;
            divergent[i] = s.Divergent;
            energy[i] = s.Energy;
        }

        return new ChainResult
        {
            Values = c.Values.AsSpan(0, n * c.Columns).ToArray(),
            Draws = n,
            LogDensity = logDensity,
            AcceptStat = acceptStat,
            StepSizes = stepSizes,
            TreeDepth = treeDepth,
            LeapfrogSteps = leapfrogSteps,
            Divergent = divergent,
            Energy = energy,
            WarmupValues = c.WarmupValues.AsSpan(0, c.WarmupDraws * c.Columns).ToArray(),
            WarmupDraws = c.WarmupDraws,
            StepSize = c.StepSize,
            InverseMetricDiagonal = c.InverseMetricDiagonal.ToArray(),
            InverseMetricMatrix = c.InverseMetricMatrix?.ToArray(),
            WarmupTime = c.WarmupTime,
            SamplingTime = c.SamplingTime,
            WarmupGradients = c.WarmupGradients,
            SamplingGradients = c.SamplingGradients,
            Seed = c.Seed,
            Status = (int)c.Status,
        };
    }

    /// <summary>The chain as the library's own record.</summary>
    public ChainDraws ToChainDraws(int columns)
    {
        var stats = new DrawStats[Draws];
        for (int i = 0; i < Draws; i++)
        {
            stats[i] = new DrawStats(LogDensity[i], AcceptStat[i], StepSizes[i], TreeDepth[i], LeapfrogSteps[i], Divergent[i], Energy[i]);
        }

        return new ChainDraws(columns, Values, Draws, stats)
        {
            WarmupValues = WarmupValues,
            WarmupDraws = WarmupDraws,
            StepSize = StepSize,
            InverseMetricDiagonal = InverseMetricDiagonal,
            InverseMetricMatrix = InverseMetricMatrix,
            WarmupTime = WarmupTime,
            SamplingTime = SamplingTime,
            WarmupGradients = WarmupGradients,
            SamplingGradients = SamplingGradients,
            Seed = Seed,
            Status = (ChainStatus)Status,
        };
    }

    /// <summary>True when the draws, statistics and adaptation are the same bit for bit (timings are not compared).</summary>
    public bool SameDraws(ChainResult other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Draws == other.Draws && WarmupDraws == other.WarmupDraws && Seed == other.Seed && Status == other.Status
            && WarmupGradients == other.WarmupGradients && SamplingGradients == other.SamplingGradients
            && Bits(Values, other.Values) && Bits(LogDensity, other.LogDensity) && Bits(AcceptStat, other.AcceptStat)
            && Bits(StepSizes, other.StepSizes) && TreeDepth.AsSpan().SequenceEqual(other.TreeDepth)
            && LeapfrogSteps.AsSpan().SequenceEqual(other.LeapfrogSteps) && Divergent.AsSpan().SequenceEqual(other.Divergent)
            && Bits(Energy, other.Energy) && Bits(WarmupValues, other.WarmupValues) && Bits([StepSize], [other.StepSize])
            && Bits(InverseMetricDiagonal, other.InverseMetricDiagonal)
            && (InverseMetricMatrix is null ? other.InverseMetricMatrix is null : other.InverseMetricMatrix is not null && Bits(InverseMetricMatrix, other.InverseMetricMatrix));
    }

    internal static bool Bits(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }

        for (int i = 0; i < a.Length; i++)
        {
            if (BitConverter.DoubleToInt64Bits(a[i]) != BitConverter.DoubleToInt64Bits(b[i]))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>The figures of a cell's draws, computed where the cell ran (judged over every column).</summary>
/// <param name="RhatMax">Largest R-hat (NaN when it cannot be computed).</param>
/// <param name="EssBulkMin">Smallest bulk ESS.</param>
/// <param name="EssTailMin">Smallest tail ESS.</param>
/// <param name="Divergences">Divergent transitions after warmup.</param>
/// <param name="Warnings">The summary's warnings in words, and the sampler's notes.</param>
[GenerateSerializer]
[Immutable]
public sealed record CellDiagnostics(double RhatMax, double EssBulkMin, double EssTailMin, int Divergences, string[] Warnings);

/// <summary>
/// What a cell produced: every chain's draws with the column names, the run's configuration, diagnostics, and timings;
/// or, when the cell's own code failed (bad data, an unknown model), the error in words. <see cref="ToDraws"/> gives
/// the library's <see cref="PosteriorDraws"/> back, so the same writers and summaries apply as to a local run.
/// </summary>
[GenerateSerializer]
public sealed class CellResult
{
    /// <summary>The cell that ran.</summary>
    [Id(0)] public GridCell Cell { get; init; } = null!;

    /// <summary>Column names (constrained parameters, then derived quantities; Stan's element names).</summary>
    [Id(1)] public string[] Names { get; init; } = [];

    /// <summary>The chains.</summary>
    [Id(2)] public ChainResult[] Chains { get; init; } = [];

    /// <summary>True when every chain ran every iteration; false after a cancellation.</summary>
    [Id(3)] public bool Completed { get; init; }

    /// <summary>Every gradient the run cost (warmup, sampling, any flow fit).</summary>
    [Id(4)] public long TotalGradients { get; init; }

    /// <summary>
    /// The cell's own wall time where it ran: model lookup and build on the cell's data, the sampler, and the diagnostics.
    /// It leaves out everything a grid adds around the work (validation, placement, activation, packing the draws,
    /// sending the cell and the result, the caller's bookkeeping), so a caller's wall time for the cell minus this is the
    /// grid's overhead for it.
    /// </summary>
    [Id(5)] public TimeSpan CellTime { get; init; }

    /// <summary>The sampler's own wall time (what <see cref="Inference.Workflow.Comparison.SamplerOutcome.WallTime"/> reports).</summary>
    [Id(6)] public TimeSpan SamplerTime { get; init; }

    /// <summary>The sampler's notes (a flow fit's k̂ verdict, say).</summary>
    [Id(7)] public string[] Notes { get; init; } = [];

    /// <summary>Diagnostics of the draws (null when the cell failed or drew nothing).</summary>
    [Id(8)] public CellDiagnostics? Diagnostics { get; init; }

    /// <summary>The error in words when the cell's own code failed; null otherwise.</summary>
    [Id(9)] public string? Error { get; init; }

    /// <summary>Where it ran (the silo's address, or "local").</summary>
    [Id(10)] public string RanOn { get; init; } = "";

    /// <summary>Attempts it took (more than 1 when a silo died under it).</summary>
    [Id(11)] public int Attempts { get; init; } = 1;

    /// <summary>The sampler name the draws record.</summary>
    [Id(12)] public string SamplerName { get; init; } = "";

    /// <summary>The run's configuration (Stan-CSV headers), when the sampler recorded it.</summary>
    [Id(13)] public CellRunInfo? Info { get; init; }

    /// <summary>True when the draws are independent (not a Markov chain).</summary>
    [Id(14)] public bool AreIndependent { get; init; }

    /// <summary>The error's exception type name, when the cell failed.</summary>
    [Id(15)] public string? ErrorType { get; init; }

    /// <summary>True when the cell ran to the end without an error.</summary>
    public bool Succeeded => Error is null && Completed;

    /// <summary>The draws as the library's record (for summaries, plots, Stan-CSV).</summary>
    /// <exception cref="InvalidOperationException">The cell failed and has no draws.</exception>
    public PosteriorDraws ToDraws()
    {
        if (Error is not null || Chains.Length == 0)
        {
            throw new InvalidOperationException($"Cell '{Cell.Key}' has no draws: {Error ?? "no chain ran"}.");
        }

        return new PosteriorDraws(Names, Chains.Select(c => c.ToChainDraws(Names.Length)).ToArray(), Completed, SamplerName, Cell.Seed)
        {
            Info = Info?.ToRunInfo(),
            AreIndependent = AreIndependent,
        };
    }

    internal CellResult WithAttempts(int attempts) => new()
    {
        Cell = Cell, Names = Names, Chains = Chains, Completed = Completed, TotalGradients = TotalGradients, CellTime = CellTime,
        SamplerTime = SamplerTime, Notes = Notes, Diagnostics = Diagnostics, Error = Error, RanOn = RanOn, Attempts = attempts,
        SamplerName = SamplerName, Info = Info, AreIndependent = AreIndependent, ErrorType = ErrorType,
    };

    /// <summary>True when both hold the same draws, statistics and adaptation bit for bit (timings and placement aside).</summary>
    public bool SameDraws(CellResult other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Cell == other.Cell && Completed == other.Completed && Error == other.Error && TotalGradients == other.TotalGradients
            && Names.SequenceEqual(other.Names, StringComparer.Ordinal) && Chains.Length == other.Chains.Length
            && Chains.Zip(other.Chains).All(p => p.First.SameDraws(p.Second));
    }

    /// <summary>
    /// Writes what a local run writes: <c>output_N.csv</c> per chain (Stan-CSV) and <c>summary.json</c>, into
    /// <paramref name="folder"/>; returns the paths. A failed cell writes nothing and returns none.
    /// </summary>
    public IReadOnlyList<string> WriteFiles(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        if (Error is not null || Chains.Length == 0)
        {
            return [];
        }

        var draws = ToDraws();
        var files = StanCsvWriter.WriteAll(draws, folder).ToList();
        string summaryPath = Path.Combine(folder, "summary.json");
        JsonSummaryWriter.WriteFile(draws.Summary(), draws, summaryPath);
        files.Add(summaryPath);
        return files;
    }
}

/// <summary><see cref="RunInfo"/> in serializable form.</summary>
[GenerateSerializer]
[Immutable]
public sealed record CellRunInfo(int Warmup, int Draws, int Thin, bool SaveWarmup, double TargetAcceptance, int MaxTreeDepth, string Metric, string ModelName)
{
    /// <summary>From the library's record.</summary>
    public static CellRunInfo? From(RunInfo? info) => info is null ? null
        : new CellRunInfo(info.Warmup, info.Draws, info.Thin, info.SaveWarmup, info.TargetAcceptance, info.MaxTreeDepth, info.Metric, info.ModelName);

    /// <summary>The library's record.</summary>
    public RunInfo ToRunInfo() => new(Warmup, Draws, Thin, SaveWarmup, TargetAcceptance, MaxTreeDepth, Metric, ModelName);
}
