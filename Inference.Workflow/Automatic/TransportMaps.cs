using Inference.Densities;
using Inference.Flows;
using Inference.Flows.Variational;
using Inference.Modeling;
using Inference.Results;
using Inference.Transforms;

namespace Inference.Workflow.Automatic;

/// <summary>A transport map with its fit's verdict, for maps that did not come straight out of <see cref="VariationalFit"/>.</summary>
/// <param name="Transform">T.</param>
/// <param name="ParetoK">PSIS k̂ of q = T # N(0, I).</param>
/// <param name="Elbo">Its ELBO.</param>
/// <param name="ElboStandardError">The ELBO's standard error.</param>
public sealed record FittedTransport(IBijector Transform, double ParetoK, double Elbo, double ElboStandardError) : IFittedTransport;

/// <summary>Helpers of the automatic call: draws on the unconstrained scale, and the forward-KL refit of a flow on a chain's draws.</summary>
public static class TransportMaps
{
    /// <summary>
    /// The draws of <paramref name="draws"/> on <paramref name="target"/>'s unconstrained space, one row per draw (a model's
    /// constrained parameters are mapped back; derived quantities dropped).
    /// </summary>
    public static double[,] UnconstrainedDraws(ILogDensity target, PosteriorDraws draws)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(draws);
        int d = target.Dimension, n = draws.Chains.Sum(c => c.Draws);
        var rows = new double[n, d];
        var model = target as CompiledModel;
        int parameters = model?.Layout.ParameterNames.Count ?? d;
        int r = 0;
        foreach (var chain in draws.Chains)
        {
            for (int i = 0; i < chain.Draws; i++, r++)
            {
                var row = chain.Values.AsSpan(i * chain.Columns, parameters);
                var x = model is null ? row.ToArray() : model.Unconstrain(row);
                for (int j = 0; j < d; j++)
                {
                    rows[r, j] = x[j];
                }
            }
        }

        return rows;
    }

    /// <summary>
    /// Refits <paramref name="flow"/> by forward KL (maximum likelihood) on <paramref name="draws"/>, continuing from its
    /// weights: reverse KL is mode-seeking and leaves the flow's tails too light; the chains' draws cover the tails the
    /// flow missed. Returns the refitted flow's reverse-KL verdict (ELBO and k̂, with no further training).
    /// </summary>
    public static FitResult RefitOnDraws(FlowDistribution flow, ILogDensity target, PosteriorDraws draws, int iterations, ulong seed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(flow);
        var rows = UnconstrainedDraws(target, draws);
        DensityEstimation.Fit(flow, rows, new DensityEstimationOptions { Iterations = iterations, BatchSize = 256, LearningRate = 1e-3, ValidationFraction = 0.2, EvaluateEvery = Math.Max(1, iterations / 5), Seed = seed }, cancellationToken: cancellationToken);
        return VariationalFit.Run(flow, target, new VariationalOptions { Iterations = 0, EvaluationDraws = 2000, Seed = seed + 1 }, cancellationToken: cancellationToken);
    }
}
