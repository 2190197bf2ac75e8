namespace Inference.Samplers.Adaptation;

/// <summary>
/// Stan's windowed warmup schedule, as data: an initial fast buffer (75), slow windows that double from 25, and a
/// terminal fast buffer (50); when they do not fit, 15% / 75% / 10% of warmup. Below 20 warmup iterations the metric
/// is not adapted. A window that would leave less than twice its size before the terminal buffer is stretched to end
/// there. The slow windows are computed once, so an adapter asks <see cref="InWindow"/> and <see cref="EndsWindow"/>
/// of any iteration.
/// </summary>
public sealed class WindowSchedule
{
    private readonly (int Start, int End)[] _windows;

    /// <summary>Creates the schedule for <paramref name="warmup"/> iterations.</summary>
    public WindowSchedule(int warmup, int initBuffer = 75, int termBuffer = 50, int baseWindow = 25)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(warmup);
        ArgumentOutOfRangeException.ThrowIfNegative(initBuffer);
        ArgumentOutOfRangeException.ThrowIfNegative(termBuffer);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(baseWindow);
        Warmup = warmup;
        if (warmup < 20)
        {
            InitBuffer = warmup;
            _windows = [];
            return;
        }

        if (initBuffer + baseWindow + termBuffer > warmup)
        {
            initBuffer = (int)(0.15 * warmup);
            termBuffer = (int)(0.1 * warmup);
            baseWindow = warmup - (initBuffer + termBuffer);
        }

        InitBuffer = initBuffer;
        TermBuffer = termBuffer;
        BaseWindow = baseWindow;
        _windows = SlowWindows(warmup, initBuffer, termBuffer, baseWindow);
    }

    /// <summary>Warmup iterations.</summary>
    public int Warmup { get; }

    /// <summary>Whether the metric is adapted at all.</summary>
    public bool AdaptsMetric => _windows.Length > 0;

    /// <summary>The initial fast buffer.</summary>
    public int InitBuffer { get; }

    /// <summary>The terminal fast buffer.</summary>
    public int TermBuffer { get; }

    /// <summary>The first slow window's size.</summary>
    public int BaseWindow { get; }

    /// <summary>The slow windows: first and last 0-based iteration of each (the metric is updated after the last).</summary>
    public IReadOnlyList<(int Start, int End)> Windows => _windows;

    /// <summary>Whether iteration <paramref name="iteration"/>'s position goes into the metric estimate.</summary>
    public bool InWindow(int iteration) => AdaptsMetric && iteration >= InitBuffer && iteration <= _windows[^1].End;

    /// <summary>Whether iteration <paramref name="iteration"/> ends a slow window.</summary>
    public bool EndsWindow(int iteration) => Array.FindIndex(_windows, w => w.End == iteration) >= 0;

    /// <summary>The 0-based iterations after which the metric is updated.</summary>
    public static IReadOnlyList<int> WindowEnds(int warmup) => new WindowSchedule(warmup).Windows.Select(w => w.End).ToArray();

    // Stan's windowed_adaptation: each window doubles; one that would leave less than twice its size before the
    // terminal buffer is stretched to end there
    private static (int, int)[] SlowWindows(int warmup, int initBuffer, int termBuffer, int baseWindow)
    {
        var windows = new List<(int, int)>();
        int lastEnd = warmup - termBuffer - 1;
        int size = baseWindow, start = initBuffer, end = initBuffer + baseWindow - 1;
        while (true)
        {
            windows.Add((start, end));
            if (end == lastEnd)
            {
                return windows.ToArray();
            }

            size *= 2;
            start = end + 1;
            end = start + size - 1;
            if (end != lastEnd && end + (2 * size) >= warmup - termBuffer)
            {
                end = lastEnd;
            }
        }
    }
}
