using Inference.Autodiff;
using Inference.Modeling;
using Inference.Randomness;
using Inference.Results;

namespace Inference.Diagnostics;

/// <summary>
/// Prior and posterior predictive draws from a model's generated quantities: the body draws replicated data from
/// <see cref="ModelContext.Rng"/> and records it with <see cref="ModelContext.Predicted"/>. Each chain gets its own stream
/// of <see cref="SeedSequence"/>(seed), so the same seed gives the same draws, independently of the sampler's seed.
/// </summary>
/// <example><code>
/// var model = Model.Create("eight_schools", m =>
/// {
///     …
///     if (m.Rng is { } rng)
///     {
///         var th = theta.Value;
///         var yRep = new double[8];
///         for (int j = 0; j &lt; 8; j++) yRep[j] = th[j] + (sigma[j] * rng.Normal());
///         m.Predicted("y_rep", yRep);
///     }
/// });
/// PosteriorDraws replicated = Predictive.Posterior(compiled, draws, seed: 7);   // y_rep[1] … y_rep[8] per draw
/// </code></example>
public static class Predictive
{
    /// <summary>One predictive draw per posterior draw (the chains with draws, each cut to <see cref="PosteriorDraws.CommonDraws"/>).</summary>
    /// <exception cref="ArgumentException">The draws' columns do not start with the model's parameters.</exception>
    /// <exception cref="InvalidOperationException">The body records no predictive quantity, or records different ones at different draws.</exception>
    public static PosteriorDraws Posterior(CompiledModel model, PosteriorDraws draws, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(draws);
        var names = model.Layout.ParameterNames;
        if (draws.Names.Count < names.Count || !names.SequenceEqual(draws.Names.Take(names.Count)))
        {
            throw new ArgumentException($"The draws' columns do not start with model '{model.Model.Name}''s parameters.", nameof(draws));
        }

        int n = draws.CommonDraws;
        var chains = draws.DiagnosedChains.Select(c => Enumerable.Range(0, n).Select(s => draws.Chains[c].Values.AsSpan(s * draws.Chains[c].Columns, names.Count).ToArray()).ToArray()).ToArray();
        return Run(model, chains.Length, n, seed, (c, s) => chains[c][s], "posterior_predictive", independent: false);
    }

    /// <summary>
    /// <paramref name="draws"/> prior predictive draws in each of <paramref name="chains"/> independent streams: every parameter is
    /// drawn from the prior of its Parameter(…) call (redrawn until inside its support or bounds), then the body's generated
    /// quantities are drawn given them.
    /// </summary>
    /// <exception cref="InvalidOperationException">A parameter was declared without a prior, or the body records no predictive quantity.</exception>
    public static PosteriorDraws Prior(CompiledModel model, int draws, ulong seed, int chains = 1)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(draws);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chains);
        return Run(model, chains, draws, seed, (_, _) => null, "prior_predictive", independent: true);
    }

    private static PosteriorDraws Run(CompiledModel model, int chains, int draws, ulong seed, Func<int, int, double[]?> parameters, string sampler, bool independent)
    {
        var tape = new Tape();
        var context = new ModelContext(tape);
        context.Attach(model.Layout);
        var sequence = new SeedSequence(seed);
        string[]? columns = null;
        (string Name, int Length)[]? signature = null;
        var results = new ChainDraws[chains];
        var u = new double[model.Dimension];
        for (int c = 0; c < chains; c++)
        {
            var rng = sequence.Stream(c);
            double[]? values = null;
            for (int s = 0; s < draws; s++)
            {
                var predicted = new List<(string Name, double[] Values)>();
                tape.Reset();
                using (tape.NoGrad())
                {
                    context.BeginPredictive(rng, predicted, parameters(c, s), u, samplePriors: parameters(c, s) is null);
                    model.Model.Body(context);
                    context.End();
                }

                if (signature is null)
                {
                    signature = predicted.Select(p => (p.Name, p.Values.Length)).ToArray();
                    if (signature.Length == 0)
                    {
                        throw new InvalidOperationException($"Model '{model.Model.Name}' records no predictive quantity: call m.Predicted(name, values) when m.Rng is not null.");
                    }

                    columns = signature.SelectMany(p => p.Length == 1 ? [p.Name] : Enumerable.Range(1, p.Length).Select(i => $"{p.Name}[{i.ToString(System.Globalization.CultureInfo.InvariantCulture)}]")).ToArray();
                }
                else if (!predicted.Select(p => (p.Name, p.Values.Length)).SequenceEqual(signature))
                {
                    throw new InvalidOperationException($"Model '{model.Model.Name}' recorded different predictive quantities at different draws: the same names and lengths are needed every time.");
                }

                values ??= new double[draws * columns!.Length];
                int cursor = s * columns!.Length;
                foreach (var (_, v) in predicted)
                {
                    v.CopyTo(values, cursor);
                    cursor += v.Length;
                }
            }

            results[c] = new ChainDraws(columns!.Length, values!, draws, new DrawStats[draws]) { Seed = sequence.StreamSeed(c) };
        }

        return new PosteriorDraws(columns!, results, completed: true, sampler, seed) { AreIndependent = independent };
    }
}
