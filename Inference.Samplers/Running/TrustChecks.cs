using System.Globalization;
using Inference.Results;

namespace Inference.Samplers.Running;

/// <summary>
/// Warnings in words about a run, beyond the summary's own (R-hat, ESS, divergences, tree depth, E-BFMI): chains
/// stuck with a step size far below the others', and the share of divergent transitions. Flow-based samplers add
/// the flow's k̂ (<see cref="ParetoK"/>).
/// </summary>
public static class TrustChecks
{
    /// <summary>The k̂ above which a flow's importance weights have infinite variance in practice (Vehtari et al.).</summary>
    public const double UnreliableParetoK = 0.7;

    /// <summary>Per-chain problems of <paramref name="draws"/>: stuck chains (step size over 10× below the median chain's).</summary>
    public static IReadOnlyList<string> Chains(PosteriorDraws draws)
    {
        ArgumentNullException.ThrowIfNull(draws);
        var warnings = new List<string>();
        var steps = draws.Chains.Select(c => c.StepSize).Where(double.IsFinite).Order().ToArray();
        if (steps.Length >= 2)
        {
            double median = steps[steps.Length / 2];
            for (int c = 0; c < draws.Chains.Count; c++)
            {
                double eps = draws.Chains[c].StepSize;
                if (double.IsFinite(eps) && eps < median / 10)
                {
                    warnings.Add(string.Create(CultureInfo.InvariantCulture, $"Chain {c + 1} adapted a step size of {eps:G3}, over 10× below the other chains' median {median:G3}: it is stuck in a region the others do not see (a funnel's neck or a bad start); its draws and the others' disagree."));
                }
            }
        }

        return warnings;
    }

    /// <summary>
    /// A warning naming the cause when local transitions diverged (global moves, whose energy is NaN, have no trajectory
    /// and do not count); null when none did.
    /// </summary>
    public static string? Divergences(PosteriorDraws draws, string where, string cause)
    {
        ArgumentNullException.ThrowIfNull(draws);
        int divergent = draws.Divergences;
        if (divergent == 0)
        {
            return null;
        }

        int local = draws.Chains.Sum(c => c.Stats.Take(c.Draws).Count(s => !double.IsNaN(s.Energy)));
        return string.Create(CultureInfo.InvariantCulture, $"{divergent} of {local} NUTS transitions ({100.0 * divergent / Math.Max(1, local):F1}%) diverged {where}: {cause}.");
    }

    /// <summary>A warning when the flow's k̂ says it is unreliable, naming what that does to flow-based sampling; null otherwise.</summary>
    public static string? ParetoK(double paretoK, string use)
    {
        if (double.IsNaN(paretoK))
        {
            return $"The flow's PSIS k̂ is NaN (its ELBO draws were not finite): the flow is broken, so {use} cannot be trusted.";
        }

        return paretoK > UnreliableParetoK
            ? string.Create(CultureInfo.InvariantCulture, $"The flow's PSIS k̂ is {paretoK:F2} (above {UnreliableParetoK}): the flow misses mass the posterior has, so {use} can miss it too; check R-hat and divergences, refit the flow or sample without it.")
            : null;
    }
}
