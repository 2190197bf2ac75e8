using System.Globalization;
using Inference.Diagnostics;
using Inference.Results;
using ScottPlot;

namespace Inference.Plots;

/// <summary>
/// Diagnostic plots written as PNG or SVG files (the extension decides): trace, rank histograms, pairs, energy,
/// ELBO curve and comparison bars. Each takes the draws (or numbers) and a path, checks its arguments before drawing,
/// and writes the file whole or not at all.
/// </summary>
public static class DiagnosticPlots
{
    /// <summary>Variables shown when none are named: the first columns, at most this many.</summary>
    public const int DefaultVariableCount = 6;

    private static readonly ScottPlot.Palettes.Category10 Palette = new();

    /// <summary>
    /// One row per variable: the draws of every chain against iteration (left) and each chain's histogram (right),
    /// titled with the variable's R-hat.
    /// </summary>
    /// <param name="draws">The draws.</param>
    /// <param name="path">A .png or .svg file.</param>
    /// <param name="variables">Columns or variables (<c>"theta"</c> expands to its elements); default the first few columns.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="rowHeight">Height of each row in pixels.</param>
    public static void Trace(PosteriorDraws draws, string path, IReadOnlyList<string>? variables = null, int width = 1000, int rowHeight = 200)
    {
        var columns = Columns(draws, path, variables);
        var (figure, panels) = PlotFile.Grid(columns.Length, 2);
        for (int r = 0; r < columns.Length; r++)
        {
            int j = columns[r];
            var chains = draws.Column(j);
            double rhat = chains[0].Length >= PosteriorSummary.MinimumDrawsForDiagnostics ? Convergence.Rhat(chains) : double.NaN;
            var trace = panels[2 * r];
            var density = panels[(2 * r) + 1];
            var (lo, hi) = Range(chains.SelectMany(c => c));
            for (int c = 0; c < chains.Length; c++)
            {
                var color = ChainColor(draws, c);
                var line = trace.Add.Signal(chains[c], color: color.WithAlpha(0.7));
                line.LineWidth = 1;
                var (x, y) = HistogramSteps(chains[c], lo, hi, 30, density: true);
                density.Add.ScatterLine(x, y, color).LineWidth = 1.5f;
            }

            trace.Title(Invariant($"{draws.Names[j]}   (R-hat {rhat:F3})"), 12);
            trace.XLabel("draw", 11);
            density.Title(draws.Names[j], 12);
            density.YLabel("density", 11);
        }

        PlotFile.Save(figure, path, width, rowHeight * columns.Length);
    }

    /// <summary>
    /// Rank histograms (Vehtari et al. 2021): for each variable and chain, the histogram of that chain's draws' ranks
    /// among all chains' draws, with the count each bin should hold when the chains have mixed (dashed). A chain whose
    /// histogram leans or humps has not explored what the others have.
    /// </summary>
    public static void RankHistograms(PosteriorDraws draws, string path, IReadOnlyList<string>? variables = null, int bins = 20, int width = 1000, int rowHeight = 180)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 2);
        var columns = Columns(draws, path, variables);
        int chainCount = draws.DiagnosedChains.Count;
        var (figure, panels) = PlotFile.Grid(columns.Length, chainCount);
        for (int r = 0; r < columns.Length; r++)
        {
            var chains = draws.Column(columns[r]);
            var ranks = PooledRanks(chains);
            int total = ranks.Sum(c => c.Length);
            double expected = (double)chains[0].Length / bins;
            for (int c = 0; c < chainCount; c++)
            {
                var counts = new double[bins];
                foreach (double rank in ranks[c])
                {
                    counts[Math.Min(bins - 1, (int)(rank * bins / total))]++;
                }

                var panel = panels[(r * chainCount) + c];
                var color = ChainColor(draws, c);
                var bars = panel.Add.Bars(counts);
                foreach (var bar in bars.Bars)
                {
                    bar.FillColor = color.WithAlpha(0.8);
                    bar.LineWidth = 0;
                }

                panel.Add.HorizontalLine(expected, 1.5f, Colors.Black, LinePattern.Dashed);
                panel.Title(Invariant($"{draws.Names[columns[r]]}, chain {draws.DiagnosedChains[c] + 1}"), 11);
                panel.Axes.Margins(bottom: 0);
            }
        }

        PlotFile.Save(figure, path, width, rowHeight * columns.Length);
    }

    /// <summary>
    /// Pairs: histograms on the diagonal, every draw as a point below it (divergent transitions in red, where the
    /// sampler could not follow the posterior's geometry), and the correlation above it.
    /// </summary>
    public static void Pairs(PosteriorDraws draws, string path, IReadOnlyList<string>? variables = null, int size = 900)
    {
        var columns = Columns(draws, path, variables);
        int k = columns.Length;
        var values = columns.Select(j => Pooled(draws.Column(j))).ToArray();
        var divergent = draws.DiagnosedChains.SelectMany(c => draws.Chains[c].Stats.Take(draws.CommonDraws).Select(s => s.Divergent)).ToArray();
        int divergences = divergent.Count(d => d);
        var (figure, panels) = PlotFile.Grid(k, k);
        for (int row = 0; row < k; row++)
        {
            for (int col = 0; col < k; col++)
            {
                var panel = panels[(row * k) + col];
                if (row == col)
                {
                    var (lo, hi) = Range(values[row]);
                    var (x, y) = HistogramSteps(values[row], lo, hi, 30, density: false);
                    panel.Add.ScatterLine(x, y, Palette.GetColor(0)).LineWidth = 1.5f;
                    panel.Title(draws.Names[columns[row]], 11);
                }
                else if (row > col)
                {
                    var (xs, ys) = (values[col], values[row]);
                    var keep = Enumerable.Range(0, xs.Length).Where(i => !divergent[i]).ToArray();
                    var points = panel.Add.ScatterPoints(keep.Select(i => xs[i]).ToArray(), keep.Select(i => ys[i]).ToArray(), Palette.GetColor(0).WithAlpha(0.25));
                    points.MarkerSize = 2;
                    if (divergences > 0)
                    {
                        var bad = Enumerable.Range(0, xs.Length).Where(i => divergent[i]).ToArray();
                        var red = panel.Add.ScatterPoints(bad.Select(i => xs[i]).ToArray(), bad.Select(i => ys[i]).ToArray(), Colors.Red);
                        red.MarkerSize = 4;
                    }

                    panel.XLabel(draws.Names[columns[col]], 10);
                    panel.YLabel(draws.Names[columns[row]], 10);
                }
                else
                {
                    panel.Add.Text(Invariant($"r = {Correlation(values[col], values[row]):F2}"), 0.5, 0.5).LabelFontSize = 16;
                    panel.Axes.SetLimits(0, 1, 0, 1);
                    panel.HideGrid();
                    panel.Layout.Frameless();
                }
            }
        }

        if (divergences > 0)
        {
            panels[k - 1].Title(Invariant($"{divergences} divergent transitions (red)"), 11);
        }

        PlotFile.Save(figure, path, size, size);
    }

    /// <summary>
    /// Energy (Betancourt 2017): the histogram of the centred energies beside that of the energy changes between
    /// draws. When the second is much narrower than the first (E-BFMI below 0.3), momentum resampling cannot move
    /// the chain across the energy levels the posterior needs.
    /// </summary>
    /// <exception cref="InvalidOperationException">The draws carry no energies (a sampler that is not Hamiltonian).</exception>
    public static void Energy(PosteriorDraws draws, string path, int width = 900, int height = 500)
    {
        ArgumentNullException.ThrowIfNull(draws);
        PlotFile.CheckPath(path);
        var energies = draws.DiagnosedChains.Select(c => draws.Chains[c].Stats.Take(draws.CommonDraws).Select(s => s.Energy).ToArray()).ToArray();
        if (energies.Length == 0 || energies.Any(e => e.Length < 2 || e.Any(v => !double.IsFinite(v))))
        {
            throw new InvalidOperationException($"The draws of sampler '{draws.Sampler}' carry no energies (only Hamiltonian samplers record energy__): there is no energy plot to draw.");
        }

        var centred = energies.SelectMany(e => { double m = e.Average(); return e.Select(v => v - m); }).ToArray();
        var changes = energies.SelectMany(e => e.Skip(1).Select((v, i) => v - e[i])).ToArray();
        var (lo, hi) = Range(centred.Concat(changes));
        var (figure, panels) = PlotFile.Grid(1, 1);
        var plot = panels[0];
        var (x1, y1) = HistogramSteps(centred, lo, hi, 40, density: true);
        var (x2, y2) = HistogramSteps(changes, lo, hi, 40, density: true);
        var marginal = plot.Add.ScatterLine(x1, y1, Palette.GetColor(0));
        marginal.LineWidth = 2;
        marginal.LegendText = "energy − mean (marginal)";
        var transition = plot.Add.ScatterLine(x2, y2, Palette.GetColor(1));
        transition.LineWidth = 2;
        transition.LegendText = "energy change between draws (transition)";
        plot.ShowLegend();
        var bfmi = draws.EnergyBfmi();
        plot.Title("Energy.  E-BFMI per chain: " + string.Join(", ", bfmi.Select(b => b.ToString("F2", CultureInfo.InvariantCulture))), 13);
        plot.XLabel("energy", 12);
        plot.YLabel("density", 12);
        PlotFile.Save(figure, path, width, height);
    }

    /// <summary>The ELBO of each step of a variational fit (light) and its moving average over <paramref name="window"/> steps.</summary>
    public static void ElboCurve(IReadOnlyList<double> elboHistory, string path, string title = "ELBO", int window = 50, int width = 900, int height = 450)
    {
        ArgumentNullException.ThrowIfNull(elboHistory);
        PlotFile.CheckPath(path);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(window);
        var steps = Enumerable.Range(0, elboHistory.Count).Where(i => double.IsFinite(elboHistory[i])).ToArray();
        if (steps.Length < 2)
        {
            throw new ArgumentException($"The history has {steps.Length} finite value(s); a curve needs at least two.", nameof(elboHistory));
        }

        var x = steps.Select(i => (double)(i + 1)).ToArray();
        var y = steps.Select(i => elboHistory[i]).ToArray();
        var smooth = new double[y.Length];
        double sum = 0;
        for (int i = 0; i < y.Length; i++)
        {
            sum += y[i] - (i >= window ? y[i - window] : 0);
            smooth[i] = sum / Math.Min(i + 1, window);
        }

        var (figure, panels) = PlotFile.Grid(1, 1);
        var plot = panels[0];
        plot.Add.ScatterLine(x, y, Palette.GetColor(0).WithAlpha(0.3)).LineWidth = 1;
        var mean = plot.Add.ScatterLine(x, smooth, Palette.GetColor(0));
        mean.LineWidth = 2;
        mean.LegendText = Invariant($"moving average ({window} steps)");
        // the first steps of a fit can be orders of magnitude below the rest: show the last 90% of the range
        var tail = y.Skip(y.Length / 10).ToArray();
        var (lo, hi) = Range(tail);
        plot.Axes.SetLimitsY(lo - (0.1 * (hi - lo)), hi + (0.1 * (hi - lo)));
        plot.Legend.Alignment = Alignment.LowerRight;
        plot.ShowLegend();
        plot.Title(title, 13);
        plot.XLabel("step", 12);
        plot.YLabel("ELBO", 12);
        PlotFile.Save(figure, path, width, height);
    }

    /// <summary>
    /// Grouped bars: for each label (a posterior, say), one bar per series (a sampler, say). With
    /// <paramref name="logScale"/> the bars are drawn on a log₁₀ axis, for figures that span orders of magnitude
    /// (ESS per gradient); non-positive values are then left out.
    /// </summary>
    public static void Bars(IReadOnlyList<string> labels, IReadOnlyDictionary<string, double[]> series, string path, string title, string yLabel, bool logScale = false, int width = 1000, int height = 500)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(series);
        PlotFile.CheckPath(path);
        if (labels.Count == 0 || series.Count == 0)
        {
            throw new ArgumentException("At least one label and one series are needed.", labels.Count == 0 ? nameof(labels) : nameof(series));
        }

        foreach (var (name, values) in series)
        {
            if (values is null || values.Length != labels.Count)
            {
                throw new ArgumentException($"Series '{name}' has {values?.Length ?? 0} values for {labels.Count} labels.", nameof(series));
            }
        }

        var (figure, panels) = PlotFile.Grid(1, 1);
        var plot = panels[0];
        int s = 0;
        double group = series.Count + 1;
        // on a log axis the bars rise from just below the smallest value, so that values below 1 point up too
        var positive = series.Values.SelectMany(v => v).Where(v => double.IsFinite(v) && v > 0).ToArray();
        double floor = logScale && positive.Length > 0 ? Math.Floor(Math.Log10(positive.Min())) : 0;
        foreach (var (name, values) in series)
        {
            var bars = new List<Bar>();
            for (int i = 0; i < labels.Count; i++)
            {
                double v = values[i];
                if (!double.IsFinite(v) || (logScale && v <= 0))
                {
                    continue;
                }

                bars.Add(new Bar { Position = (i * group) + s, Value = logScale ? Math.Log10(v) : v, ValueBase = floor, FillColor = Palette.GetColor(s), LineWidth = 0 });
            }

            var plotted = plot.Add.Bars(bars);
            plotted.LegendText = name;
            s++;
        }

        var ticks = labels.Select((l, i) => new Tick((i * group) + ((series.Count - 1) / 2.0), l)).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks);
        if (logScale)
        {
            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
            {
                IntegerTicksOnly = true,
                LabelFormatter = v => Math.Pow(10, v).ToString("G3", CultureInfo.InvariantCulture),
                MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            };
        }
        plot.Axes.Margins(bottom: 0);
        plot.ShowLegend(Edge.Right);
        plot.Title(title, 13);
        plot.YLabel(logScale ? yLabel + " (log scale)" : yLabel, 12);
        PlotFile.Save(figure, path, width, height);
    }

    // ------------------------------------------------------------------ helpers

    private static int[] Columns(PosteriorDraws draws, string path, IReadOnlyList<string>? variables)
    {
        ArgumentNullException.ThrowIfNull(draws);
        PlotFile.CheckPath(path);
        if (draws.CommonDraws < 2)
        {
            throw new ArgumentException($"The draws hold {draws.CommonDraws} draw(s) per chain; a plot needs at least two.", nameof(draws));
        }

        var columns = variables is null
            ? Enumerable.Range(0, Math.Min(DefaultVariableCount, draws.Names.Count)).ToArray()
            : variables.SelectMany(v => draws[v].Elements).Select(draws.IndexOf).Distinct().ToArray();
        if (columns.Length == 0)
        {
            throw new ArgumentException("No variables to plot.", nameof(variables));
        }

        return columns;
    }

    private static Color ChainColor(PosteriorDraws draws, int diagnosedIndex) => Palette.GetColor(draws.DiagnosedChains[diagnosedIndex] % 10);

    private static double[] Pooled(double[][] chains) => chains.SelectMany(c => c).ToArray();

    private static (double Low, double High) Range(IEnumerable<double> values)
    {
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        foreach (double v in values)
        {
            if (double.IsFinite(v))
            {
                lo = Math.Min(lo, v);
                hi = Math.Max(hi, v);
            }
        }

        if (!(lo < hi))
        {
            (lo, hi) = double.IsFinite(lo) ? (lo - 0.5, lo + 0.5) : (0, 1);
        }

        return (lo, hi);
    }

    /// <summary>A histogram as the corner points of its outline (a step line), as counts or as a density.</summary>
    private static (double[] X, double[] Y) HistogramSteps(IReadOnlyList<double> values, double lo, double hi, int bins, bool density)
    {
        var counts = new double[bins];
        double width = (hi - lo) / bins;
        int n = 0;
        foreach (double v in values)
        {
            if (double.IsFinite(v) && v >= lo && v <= hi)
            {
                counts[Math.Min(bins - 1, (int)((v - lo) / width))]++;
                n++;
            }
        }

        double scale = density && n > 0 ? 1.0 / (n * width) : 1;
        var x = new double[(2 * bins) + 2];
        var y = new double[x.Length];
        x[0] = lo;
        for (int b = 0; b < bins; b++)
        {
            x[(2 * b) + 1] = lo + (b * width);
            x[(2 * b) + 2] = lo + ((b + 1) * width);
            y[(2 * b) + 1] = y[(2 * b) + 2] = counts[b] * scale;
        }

        x[^1] = hi;
        return (x, y);
    }

    /// <summary>Ranks (0-based, ties averaged) of every draw among all chains' draws, per chain.</summary>
    private static double[][] PooledRanks(double[][] chains)
    {
        var all = chains.SelectMany((c, k) => c.Select((v, i) => (Value: v, Chain: k, Index: i))).OrderBy(t => t.Value).ToArray();
        var ranks = chains.Select(c => new double[c.Length]).ToArray();
        for (int i = 0; i < all.Length;)
        {
            int j = i;
            while (j + 1 < all.Length && all[j + 1].Value.Equals(all[i].Value))
            {
                j++;
            }

            double rank = (i + j) / 2.0;
            for (int t = i; t <= j; t++)
            {
                ranks[all[t].Chain][all[t].Index] = rank;
            }

            i = j + 1;
        }

        return ranks;
    }

    private static double Correlation(double[] x, double[] y)
    {
        double mx = x.Average(), my = y.Average(), sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < x.Length; i++)
        {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }

        return sxy / Math.Sqrt(sxx * syy);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
