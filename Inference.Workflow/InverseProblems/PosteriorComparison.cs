using System.Globalization;
using System.Text;
using Inference.Autodiff;
using Inference.Diagnostics;
using Inference.Flows;
using Inference.InverseProblems;
using Inference.Randomness;
using Inference.Results;
using Inference.Samplers.Running;

namespace Inference.Workflow.InverseProblems;

/// <summary>Settings of <see cref="PosteriorComparison.Compare"/>.</summary>
public sealed record PosteriorComparisonOptions
{
    /// <summary>The NUTS run on the exact posterior (Stan's defaults: 4 chains, 1000 warmup and 1000 draws each).</summary>
    public RunSettings Nuts { get; init; } = new();

    /// <summary>Draws from the amortized posterior q(· | y).</summary>
    public int FlowDraws { get; init; } = 4000;

    /// <summary>Seed of the flow's draws.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>A flow mean further than this many NUTS posterior sds from NUTS's mean is reported in the warnings.</summary>
    public double MeanTolerance { get; init; } = 0.2;
}

/// <summary>One coordinate's posterior mean and sd by NUTS and by the amortized flow.</summary>
/// <param name="Name">The coordinate.</param>
/// <param name="NutsMean">NUTS's posterior mean.</param>
/// <param name="NutsSd">NUTS's posterior sd.</param>
/// <param name="NutsMcse">The Monte Carlo standard error of NUTS's mean.</param>
/// <param name="FlowMean">The flow's mean.</param>
/// <param name="FlowSd">The flow's sd.</param>
/// <param name="StandardizedMeanError">|flow mean − NUTS mean| / NUTS sd.</param>
public readonly record struct CoordinateComparison(string Name, double NutsMean, double NutsSd, double NutsMcse, double FlowMean, double FlowSd, double StandardizedMeanError);

/// <summary>The amortized posterior for one observation beside NUTS on the exact posterior.</summary>
public sealed class PosteriorComparisonResult
{
    internal PosteriorComparisonResult(PosteriorDraws nuts, double[] flowDraws, IReadOnlyList<CoordinateComparison> coordinates, PsisResult psis, IReadOnlyList<string> warnings)
    {
        Nuts = nuts;
        FlowDraws = flowDraws;
        Coordinates = coordinates;
        Psis = psis;
        Warnings = warnings;
    }

    /// <summary>NUTS's draws from the exact posterior.</summary>
    public PosteriorDraws Nuts { get; }

    /// <summary>The flow's draws (rows of a count × d array).</summary>
    public double[] FlowDraws { get; }

    /// <summary>Per coordinate: means and sds by both, and the standardized difference of the means.</summary>
    public IReadOnlyList<CoordinateComparison> Coordinates { get; }

    /// <summary>
    /// PSIS of the exact posterior against the flow as its proposal: k̂ &lt; 0.7 says the flow's draws can be reweighted
    /// to the exact posterior; larger k̂ says its tails are too light for this observation.
    /// </summary>
    public PsisResult Psis { get; }

    /// <summary>What a user should not trust, in words (empty when nothing was found).</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>The largest standardized mean difference over the coordinates.</summary>
    public double WorstStandardizedMeanError => Coordinates.Max(c => c.StandardizedMeanError);

    /// <summary>A Markdown table of the comparison, with the warnings.</summary>
    public override string ToString()
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine("| coordinate | NUTS mean (MCSE) | NUTS sd | flow mean | flow sd | |Δmean| / sd |");
        sb.AppendLine("|---|---|---|---|---|---|");
        foreach (var c in Coordinates)
        {
            sb.AppendLine(string.Create(inv, $"| {c.Name} | {c.NutsMean:G4} ({c.NutsMcse:G2}) | {c.NutsSd:G4} | {c.FlowMean:G4} | {c.FlowSd:G4} | {c.StandardizedMeanError:F3} |"));
        }

        sb.AppendLine(string.Create(inv, $"PSIS k̂ of the exact posterior against the flow: {Psis.ParetoK:F2}"));
        foreach (var w in Warnings)
        {
            sb.AppendLine("warning: " + w);
        }

        return sb.ToString();
    }
}

/// <summary>
/// Checks an amortized posterior q(x | y) on one observation against MCMC: NUTS on the problem's exact posterior
/// p(x | y) and draws from q(· | y), compared coordinate by coordinate, plus PSIS of p against q.
/// </summary>
public static class PosteriorComparison
{
    /// <summary>Runs NUTS on <paramref name="problem"/>'s posterior for <paramref name="observed"/> and compares <paramref name="amortized"/> with it.</summary>
    public static PosteriorComparisonResult Compare(FlowDistribution amortized, InverseProblem problem, double[] observed, PosteriorComparisonOptions? options = null, IProgress<ChainProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(amortized);
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(observed);
        options ??= new PosteriorComparisonOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.FlowDraws, 10, nameof(options));
        if (amortized.Dimension != problem.ParameterDimension || amortized.ContextDimension != problem.ObservationDimension)
        {
            throw new ArgumentException($"The flow models x of {amortized.Dimension} values given y of {amortized.ContextDimension}; the problem has {problem.ParameterDimension} and {problem.ObservationDimension}.", nameof(amortized));
        }

        var posterior = problem.Posterior(observed);
        var nuts = ChainRunner.Nuts(posterior, options.Nuts, progress: progress, cancellationToken: cancellationToken);
        var summary = nuts.Summary();
        int d = problem.ParameterDimension, n = options.FlowDraws;

        // the flow's draws with their log q, and the exact unnormalized log p at the same points
        var tape = new Tape();
        double[] draws, logQ;
        using (tape.NoGrad())
        {
            var (x, lq) = amortized.SampleWithLogProb(tape, new Rng(options.Seed), n, tape.Constant(observed));
            draws = x.Value.ToArray();
            logQ = lq.Value.ToArray();
        }

        var evaluator = posterior.CreateEvaluator();
        var logRatios = new double[n];
        for (int i = 0; i < n; i++)
        {
            double lp = evaluator.LogDensity(draws.AsSpan(i * d, d));
            logRatios[i] = double.IsFinite(lp) && double.IsFinite(logQ[i]) ? lp - logQ[i] : double.NegativeInfinity;
        }

        var psis = Psis.Smooth(logRatios);
        var coordinates = new List<CoordinateComparison>(d);
        for (int j = 0; j < d; j++)
        {
            double mean = 0, sq = 0;
            for (int i = 0; i < n; i++)
            {
                mean += draws[(i * d) + j];
            }

            mean /= n;
            for (int i = 0; i < n; i++)
            {
                double e = draws[(i * d) + j] - mean;
                sq += e * e;
            }

            var row = summary.Rows[j];
            double sd = Math.Sqrt(sq / (n - 1));
            coordinates.Add(new CoordinateComparison(row.Variable, row.Mean, row.Sd, row.Mcse, mean, sd, Math.Abs(mean - row.Mean) / row.Sd));
        }

        var warnings = new List<string>(summary.Warnings.Select(w => "NUTS: " + w));
        var inv = CultureInfo.InvariantCulture;
        if (psis.ParetoK > psis.KThreshold)
        {
            warnings.Add(string.Create(inv, $"PSIS k̂ = {psis.ParetoK:F2} > {psis.KThreshold:F2}: the amortized posterior misses part of the exact posterior for this observation (its tails are too light); do not trust its draws without MCMC."));
        }

        foreach (var c in coordinates.Where(c => c.StandardizedMeanError > options.MeanTolerance))
        {
            warnings.Add(string.Create(inv, $"{c.Name}: the flow's mean is {c.StandardizedMeanError:F2} posterior sds from NUTS's (tolerance {options.MeanTolerance})."));
        }

        return new PosteriorComparisonResult(nuts, draws, coordinates, psis, warnings);
    }
}
