using System.Globalization;
using Inference.Densities;
using Inference.Diagnostics;
using Inference.Results;

namespace Inference.Flows.Variational;

/// <summary>A progress report of a fit.</summary>
/// <param name="Iteration">Steps done.</param>
/// <param name="Iterations">Steps planned.</param>
/// <param name="Elbo">The ELBO estimate of the last step.</param>
public readonly record struct FitProgress(int Iteration, int Iterations, double Elbo);

/// <summary>What happened during a fit's optimization, for its result and warnings.</summary>
internal sealed record TrainingRecord(double[] History, int PlannedSteps, int BatchSize, int SkippedSteps, long DroppedDraws, bool Completed)
{
    public int EvaluationDraws { get; init; }

    public int NonFiniteEvaluationDraws { get; init; }

    /// <summary>Why the model's batches ran one point at a time (null when each batch was one tape pass).</summary>
    public string? BatchFallback { get; init; }
}

/// <summary>A fitted variational approximation's estimate of one variable (see <see cref="FitResult"/>'s indexer).</summary>
/// <param name="Name">The variable.</param>
/// <param name="Mean">Mean under q.</param>
/// <param name="StandardDeviation">Standard deviation under q.</param>
/// <param name="PsisMean">PSIS-corrected posterior mean (meaningful while k̂ &lt; 0.7).</param>
/// <param name="PsisStandardDeviation">PSIS-corrected posterior standard deviation.</param>
public readonly record struct VariationalEstimate(string Name, double Mean, double StandardDeviation, double PsisMean, double PsisStandardDeviation);

/// <summary>The outcome of a variational fit, with an honest quality check: PSIS k̂ and warnings in words.</summary>
public sealed class FitResult : Inference.Transforms.IFittedTransport
{
    /// <summary>PSIS k̂ below this: the fit is good (Yao et al. 2018).</summary>
    public const double GoodParetoK = 0.5;

    /// <summary>PSIS k̂ at or above this: the fit is unreliable, PSIS-corrected or not.</summary>
    public const double UnreliableParetoK = 0.7;

    private readonly ILogDensity _target;
    private readonly Dictionary<string, int> _index;

    internal FitResult(FlowDistribution flow, ILogDensity target, TrainingRecord training, double elbo, double elboStandardError, PsisResult psis, IReadOnlyList<string> names, double[] means, double[] sds, double[] psisMeans, double[] psisSds, TimeSpan elapsed)
    {
        Flow = flow;
        _target = target;
        RestartElbos = [elbo];
        ElboHistory = training.History;
        Elbo = elbo;
        ElboStandardError = elboStandardError;
        Psis = psis;
        Names = names;
        Means = means;
        StandardDeviations = sds;
        PsisMeans = psisMeans;
        PsisStandardDeviations = psisSds;
        SkippedSteps = training.SkippedSteps;
        DroppedDraws = training.DroppedDraws;
        NonFiniteEvaluationDraws = training.NonFiniteEvaluationDraws;
        Completed = training.Completed;
        Elapsed = elapsed;
        Warnings = ComputeWarnings(training, psis.ParetoK);
        _index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < names.Count; i++)
        {
            _index.TryAdd(names[i], i);
        }
    }

    /// <summary>The fitted flow (with restarts: the best one).</summary>
    public FlowDistribution Flow { get; }

    /// <inheritdoc/>
    Inference.Transforms.IBijector Inference.Transforms.IFittedTransport.Transform => Flow.Transform;

    /// <summary>The final ELBO of every restart, in order (one entry without restarts).</summary>
    public IReadOnlyList<double> RestartElbos { get; internal set; }

    /// <summary>The batch objective at each step (the ELBO, or the importance-weighted ELBO when K &gt; 1).</summary>
    public IReadOnlyList<double> ElboHistory { get; }

    /// <summary>
    /// The final ELBO, E_q[log p̃(x) − log q(x)], over the evaluation draws where the target is finite (see
    /// <see cref="NonFiniteEvaluationDraws"/>).
    /// </summary>
    public double Elbo { get; }

    /// <summary>Its Monte Carlo standard error.</summary>
    public double ElboStandardError { get; }

    /// <summary>PSIS of log p̃ − log q over the evaluation draws: <c>Psis.ParetoK</c> below 0.5 good, above 0.7 unreliable.</summary>
    public PsisResult Psis { get; }

    /// <summary>PSIS k̂.</summary>
    public double ParetoK => Psis.ParetoK;

    /// <summary>True when k̂ is below 0.7: the draws and the PSIS-corrected estimates can be used.</summary>
    public bool IsReliable => ParetoK < UnreliableParetoK;

    /// <summary>The verdict of k̂ in words: "good", "usable with care" or "unreliable", with the value.</summary>
    public string Verdict => double.IsNaN(ParetoK) ? "unknown (k̂ could not be computed)"
        : ParetoK < GoodParetoK ? Invariant($"good (k̂ {ParetoK:F2} < {GoodParetoK})")
        : ParetoK < UnreliableParetoK ? Invariant($"usable with care (k̂ {ParetoK:F2} in [{GoodParetoK}, {UnreliableParetoK}))")
        : Invariant($"unreliable (k̂ {ParetoK:F2} ≥ {UnreliableParetoK})");

    /// <summary>Names of the summarized values (constrained parameters and derived quantities for a model).</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Means under q.</summary>
    public IReadOnlyList<double> Means { get; }

    /// <summary>Standard deviations under q.</summary>
    public IReadOnlyList<double> StandardDeviations { get; }

    /// <summary>PSIS-corrected posterior means (meaningful while k̂ &lt; 0.7).</summary>
    public IReadOnlyList<double> PsisMeans { get; }

    /// <summary>PSIS-corrected posterior standard deviations.</summary>
    public IReadOnlyList<double> PsisStandardDeviations { get; }

    /// <summary>Steps skipped because the target was not finite on more than half of the batch.</summary>
    public int SkippedSteps { get; }

    /// <summary>Training draws left out of their step's gradient because the target was not finite there.</summary>
    public long DroppedDraws { get; }

    /// <summary>Evaluation draws where the target was not finite (importance weight zero, left out of the ELBO).</summary>
    public int NonFiniteEvaluationDraws { get; }

    /// <summary>False when cancelled.</summary>
    public bool Completed { get; }

    /// <summary>Wall time.</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>Why the fit should not be trusted, in words (empty when nothing is wrong).</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>The estimates of variable <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No variable has that name.</exception>
    public VariationalEstimate this[string name]
    {
        get
        {
            ArgumentNullException.ThrowIfNull(name);
            return _index.TryGetValue(name, out int i)
                ? new VariationalEstimate(name, Means[i], StandardDeviations[i], PsisMeans[i], PsisStandardDeviations[i])
                : throw VariableNames.NotFound(name, Names);
        }
    }

    /// <summary>
    /// <paramref name="count"/> independent draws from the fitted flow on the target's reported scale (a model's
    /// constrained parameters and derived quantities), as <see cref="PosteriorDraws"/> that the summary, the plots
    /// and the writers read.
    /// </summary>
    public PosteriorDraws Draws(int count = 4000, ulong seed = 1) => VariationalFit.Draws(Flow, _target, count, seed);

    private static List<string> ComputeWarnings(TrainingRecord training, double k)
    {
        var warnings = new List<string>();
        if (double.IsNaN(k))
        {
            warnings.Add("PSIS k̂ could not be computed: the fit cannot be judged.");
        }
        else if (k >= UnreliableParetoK)
        {
            warnings.Add(Invariant($"PSIS k̂ = {k:F2} ≥ {UnreliableParetoK}: the flow is a poor approximation of the posterior; its draws and means, PSIS-corrected or not, are unreliable. Fit longer or with restarts, use a more flexible flow, or sample with NUTS."));
        }
        else if (k >= GoodParetoK)
        {
            warnings.Add(Invariant($"PSIS k̂ = {k:F2} is between {GoodParetoK} and {UnreliableParetoK}: use the PSIS-corrected estimates; the flow's tails are lighter than the posterior's."));
        }

        int steps = training.History.Length;
        if (training.SkippedSteps > 0)
        {
            warnings.Add(Invariant($"{training.SkippedSteps} of {steps} steps were skipped: the target was not finite on more than half of their draws."));
        }

        if (training.DroppedDraws > 0)
        {
            long total = (long)(steps - training.SkippedSteps) * training.BatchSize;
            warnings.Add(Invariant(
                $"{training.DroppedDraws} of {total} training draws ({100.0 * training.DroppedDraws / Math.Max(1, total):F1}%) had a non-finite target log-density or gradient and were left out of their step: the flow puts mass where the model cannot be evaluated (NaN) or has no support (−∞); check the model's constraints."));
        }

        if (training.NonFiniteEvaluationDraws > 0)
        {
            warnings.Add(Invariant(
                $"{training.NonFiniteEvaluationDraws} of {training.EvaluationDraws} evaluation draws had a non-finite target log-density: the ELBO is the mean over the other draws, and PSIS gives them weight zero."));
        }

        if (training.BatchFallback is { } reason)
        {
            warnings.Add($"The model's body could not evaluate a batch of draws in one pass, so each training step evaluated its draws one at a time (slower, same result): {reason}");
        }

        if (!training.Completed)
        {
            warnings.Add(Invariant($"The fit was cancelled after {steps} of {training.PlannedSteps} steps."));
        }

        return warnings;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
