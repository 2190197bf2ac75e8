namespace Inference.Samplers.Adaptation;

/// <summary>
/// Stan's windowed warmup schedule: an initial fast buffer (75), slow windows that double from 25, and a
/// terminal fast buffer (50); when they do not fit, 15% / 75% / 10% of warmup. Below 20 warmup iterations
/// the metric is not adapted. A window that would leave less than twice its size before the terminal
/// buffer is stretched to end there.
/// </summary>
public sealed class WindowSchedule
{
    private readonly int _warmup;
    private int _counter;
    private int _windowSize;
    private int _nextWindowEnd;

    /// <summary>Creates the schedule for <paramref name="warmup"/> iterations.</summary>
    public WindowSchedule(int warmup, int initBuffer = 75, int termBuffer = 50, int baseWindow = 25)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(warmup);
        _warmup = warmup;
        if (warmup < 20)
        {
            AdaptsMetric = false;
            InitBuffer = warmup;
            TermBuffer = 0;
            BaseWindow = 0;
        }
        else
        {
            AdaptsMetric = true;
            if (initBuffer + baseWindow + termBuffer > warmup)
            {
                initBuffer = (int)(0.15 * warmup);
                termBuffer = (int)(0.1 * warmup);
                baseWindow = warmup - (initBuffer + termBuffer);
            }

            InitBuffer = initBuffer;
            TermBuffer = termBuffer;
            BaseWindow = baseWindow;
        }

        _windowSize = BaseWindow;
        _nextWindowEnd = InitBuffer + _windowSize - 1;
    }

    /// <summary>Whether the metric is adapted at all.</summary>
    public bool AdaptsMetric { get; }

    /// <summary>The initial fast buffer.</summary>
    public int InitBuffer { get; }

    /// <summary>The terminal fast buffer.</summary>
    public int TermBuffer { get; }

    /// <summary>The first slow window's size.</summary>
    public int BaseWindow { get; }

    /// <summary>Whether the current warmup iteration's position goes into the metric estimate.</summary>
    public bool InWindow => AdaptsMetric && _counter >= InitBuffer && _counter < _warmup - TermBuffer && _counter != _warmup;

    /// <summary>Whether the current iteration ends a slow window (the metric is updated after it).</summary>
    public bool EndsWindow => AdaptsMetric && _counter == _nextWindowEnd && _counter != _warmup;

    /// <summary>The 0-based warmup iteration the schedule is at.</summary>
    public int Iteration => _counter;

    /// <summary>Moves to the next iteration (computing the next window when one just ended).</summary>
    public void Advance()
    {
        if (EndsWindow)
        {
            ComputeNextWindow();
        }

        _counter++;
    }

    /// <summary>The 0-based iterations after which the metric is updated.</summary>
    public static IReadOnlyList<int> WindowEnds(int warmup)
    {
        var schedule = new WindowSchedule(warmup);
        var ends = new List<int>();
        for (int i = 0; i < warmup; i++)
        {
            if (schedule.EndsWindow)
            {
                ends.Add(i);
            }

            schedule.Advance();
        }

        return ends;
    }

    private void ComputeNextWindow()
    {
        if (_nextWindowEnd == _warmup - TermBuffer - 1)
        {
            return;
        }

        _windowSize *= 2;
        _nextWindowEnd = _counter + _windowSize;
        if (_nextWindowEnd != _warmup - TermBuffer - 1)
        {
            int nextBoundary = _nextWindowEnd + (2 * _windowSize);
            if (nextBoundary >= _warmup - TermBuffer)
            {
                _nextWindowEnd = _warmup - TermBuffer - 1;
            }
        }
    }
}
