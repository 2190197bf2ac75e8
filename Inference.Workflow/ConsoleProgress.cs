using System.Globalization;
using Inference.Flows.Variational;
using Inference.Samplers.Running;
using Inference.Workflow.Comparison;

namespace Inference.Workflow;

/// <summary>
/// A one-line text progress bar for console programs, fed by the library's progress reports: chains
/// (<see cref="ChainProgress"/>, the mean over chains, with divergences so far), fits (<see cref="FitProgress"/>,
/// with the ELBO) and comparisons (<see cref="ComparisonProgress"/>). On a terminal it redraws one line; when the
/// output is redirected it prints a line every 10%. Thread-safe: chains report from their own threads.
/// </summary>
/// <example><code>var draws = model.Sample(progress: new ConsoleProgress("NUTS"));</code></example>
public sealed class ConsoleProgress : IProgress<ChainProgress>, IProgress<FitProgress>, IProgress<ComparisonProgress>
{
    private const int Width = 30;
    private readonly string _label;
    private readonly TextWriter _writer;
    private readonly bool _redraw;
    private readonly Lock _gate = new();
    private readonly Dictionary<int, (double Fraction, int Divergences)> _chains = [];
    private readonly int _expectedChains;
    private int _lastShown = -1;
    private bool _finished;

    /// <summary>A bar labelled <paramref name="label"/> on <paramref name="writer"/> (default: standard output).</summary>
    /// <param name="label">What is running.</param>
    /// <param name="writer">Where to draw.</param>
    /// <param name="redraw">Redraw one line in place (default: when standard output is a terminal).</param>
    /// <param name="chains">Chains of the run, when known: the bar then counts chains that have not reported yet as not started.</param>
    public ConsoleProgress(string label, TextWriter? writer = null, bool? redraw = null, int chains = 0)
    {
        ArgumentNullException.ThrowIfNull(label);
        ArgumentOutOfRangeException.ThrowIfNegative(chains);
        _expectedChains = chains;
        _label = label;
        _writer = writer ?? Console.Out;
        _redraw = redraw ?? (writer is null && !Console.IsOutputRedirected);
    }

    /// <inheritdoc/>
    public void Report(ChainProgress value)
    {
        lock (_gate)
        {
            double fraction = value.Iteration < 0 || value.Phase == ChainPhase.Done ? 1 : (double)value.Iteration / Math.Max(1, value.TotalIterations);
            _chains[value.Chain] = (fraction, value.Divergences);
            int chains = Math.Max(_expectedChains, _chains.Count);
            double mean = _chains.Values.Sum(c => c.Fraction) / chains;
            int divergences = _chains.Values.Sum(c => c.Divergences);
            Show(mean, string.Create(CultureInfo.InvariantCulture, $"{chains} chains, {divergences} divergence(s)"));
        }
    }

    /// <inheritdoc/>
    public void Report(FitProgress value)
    {
        lock (_gate)
        {
            Show((double)value.Iteration / Math.Max(1, value.Iterations), string.Create(CultureInfo.InvariantCulture, $"step {value.Iteration}/{value.Iterations}, ELBO {value.Elbo:F2}"));
        }
    }

    /// <inheritdoc/>
    public void Report(ComparisonProgress value)
    {
        lock (_gate)
        {
            double fraction = (value.CellsDone + value.CellFraction) / Math.Max(1, value.Cells);
            Show(fraction, string.Create(CultureInfo.InvariantCulture, $"run {Math.Min(value.CellsDone + 1, value.Cells)}/{value.Cells}: {value.Sampler} on {value.Target}, seed {value.Seed}"));
        }
    }

    private void Show(double fraction, string detail)
    {
        int percent = (int)Math.Floor(100 * Math.Clamp(fraction, 0, 1));
        bool due = _redraw ? percent != _lastShown : percent / 10 != _lastShown / 10 || _lastShown < 0;
        if (!due || _finished)
        {
            return;
        }

        _lastShown = percent;
        int filled = percent * Width / 100;
        string line = string.Create(CultureInfo.InvariantCulture, $"{_label} [{new string('#', filled)}{new string('.', Width - filled)}] {percent,3}%  {detail}");
        if (_redraw)
        {
            _writer.Write("\r" + line.PadRight(100));
            if (percent == 100)
            {
                _writer.WriteLine();
                _finished = true;
            }
        }
        else
        {
            _writer.WriteLine(line);
            _finished = percent == 100;
        }

        _writer.Flush();
    }
}
