using System.Globalization;
using Inference.Modeling;
using Inference.Results;

namespace Inference.Diagnostics;

/// <summary>
/// The pointwise log-likelihood log p(yᵢ | θₛ) of every draw s and observation i: the input of PSIS-LOO and WAIC.
/// Draws are the rows, chain 1's first; every chain has the same number of draws.
/// </summary>
public sealed class PointwiseLogLikelihood
{
    private readonly double[] _values;

    /// <summary>Wraps a draws × observations matrix whose rows are <paramref name="chains"/> chains of equal length, one after the other.</summary>
    /// <exception cref="ArgumentException">The rows do not split into <paramref name="chains"/> equal chains, or a value is NaN or +∞.</exception>
    public PointwiseLogLikelihood(double[,] values, int chains = 1)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chains);
        int rows = values.GetLength(0), columns = values.GetLength(1);
        if (rows % chains != 0)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{rows} draws do not split into {chains} chains of equal length."), nameof(chains));
        }

        if (rows / chains < 2 || columns == 0)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Needs at least two draws per chain and one observation; got {rows} draws in {chains} chain(s) and {columns} observations."), nameof(values));
        }

        _values = new double[rows * columns];
        for (int s = 0; s < rows; s++)
        {
            for (int i = 0; i < columns; i++)
            {
                double v = values[s, i];
                if (double.IsNaN(v) || double.IsPositiveInfinity(v))
                {
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The log-likelihood of observation {i + 1} at draw {s + 1} is {v}: it must be a number below +∞."), nameof(values));
                }

                _values[(s * columns) + i] = v;
            }
        }

        Chains = chains;
        DrawsPerChain = rows / chains;
        Observations = columns;
    }

    /// <summary>Number of chains.</summary>
    public int Chains { get; }

    /// <summary>Draws in each chain.</summary>
    public int DrawsPerChain { get; }

    /// <summary>All draws (chains × draws per chain).</summary>
    public int Draws => Chains * DrawsPerChain;

    /// <summary>Number of observations (terms of the pointwise log-likelihood).</summary>
    public int Observations { get; }

    /// <summary>log p(y_observation | θ_draw), draws counted over the chains in order.</summary>
    public double this[int draw, int observation] => _values[(draw * Observations) + observation];

    /// <summary>The column of <paramref name="observation"/>: its log-likelihood at every draw.</summary>
    public double[] Observation(int observation)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(observation);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(observation, Observations);
        var column = new double[Draws];
        for (int s = 0; s < column.Length; s++)
        {
            column[s] = _values[(s * Observations) + observation];
        }

        return column;
    }

    /// <summary>
    /// Evaluates <paramref name="model"/>'s pointwise log-likelihood (its <see cref="ModelContext.Observe(Autodiff.Var)"/>
    /// terms) at every draw of <paramref name="draws"/>: the chains with draws, each cut to <see cref="PosteriorDraws.CommonDraws"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The draws' columns are not the model's parameters, or the model observes nothing.</exception>
    public static PointwiseLogLikelihood FromDraws(CompiledModel model, PosteriorDraws draws)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(draws);
        var names = model.Layout.ParameterNames;
        if (draws.Names.Count < names.Count || !names.SequenceEqual(draws.Names.Take(names.Count)))
        {
            throw new ArgumentException($"The draws' columns do not start with model '{model.Model.Name}''s parameters ({string.Join(", ", names.Take(4))}, …).", nameof(draws));
        }

        int perChain = draws.CommonDraws;
        var chains = draws.DiagnosedChains;
        var evaluator = model.CreateModelEvaluator();
        var constrained = new double[names.Count];
        double[,]? values = null;
        for (int c = 0; c < chains.Count; c++)
        {
            var chain = draws.Chains[chains[c]];
            for (int s = 0; s < perChain; s++)
            {
                chain.Values.AsSpan(s * chain.Columns, names.Count).CopyTo(constrained);
                var pointwise = evaluator.PointwiseLogLikelihood(model.Unconstrain(constrained));
                if (pointwise.Length == 0)
                {
                    throw new ArgumentException($"Model '{model.Model.Name}' observes nothing: it has no pointwise log-likelihood.", nameof(model));
                }

                values ??= new double[chains.Count * perChain, pointwise.Length];
                int row = (c * perChain) + s;
                for (int i = 0; i < pointwise.Length; i++)
                {
                    values[row, i] = pointwise[i];
                }
            }
        }

        return new PointwiseLogLikelihood(values ?? new double[0, 0], Math.Max(chains.Count, 1));
    }
}
