using Inference.Autodiff;
using Inference.Randomness;
using Inference.Transforms;

namespace Inference.Distributions;

/// <summary>Categorical over {0, …, K − 1} with unnormalized log-probabilities (logits): log softmax(logits)[x].</summary>
public sealed class Categorical : IDistribution
{
    private readonly double[] _logits;
    private readonly double[] _probabilities;

    /// <summary>Creates the distribution from K ≥ 1 finite logits.</summary>
    public Categorical(double[] logits)
    {
        ArgumentNullException.ThrowIfNull(logits);
        if (logits.Length == 0 || logits.Any(l => !double.IsFinite(l)))
        {
            throw new ArgumentException("Logits must be a non-empty array of finite values.", nameof(logits));
        }

        _logits = (double[])logits.Clone();
        double max = _logits.Max();
        _probabilities = _logits.Select(l => Math.Exp(l - max)).ToArray();
        double sum = _probabilities.Sum();
        for (int k = 0; k < _probabilities.Length; k++)
        {
            _probabilities[k] /= sum;
        }
    }

    /// <summary>The number of categories K.</summary>
    public int Categories => _logits.Length;

    /// <summary>The normalized probabilities.</summary>
    public IReadOnlyList<double> Probabilities => _probabilities;

    /// <inheritdoc/>
    public Constraint Support => Constraint.Interval(-0.5, Categories - 0.5);

    /// <inheritdoc/>
    public bool IsDiscrete => true;

    /// <summary>The log-probability of each category index held (as whole numbers) in <paramref name="value"/>.</summary>
    public Var LogProb(Var value)
    {
        var v = value.Value;
        var index = new int[v.Length];
        bool[]? keep = null;
        for (int i = 0; i < index.Length; i++)
        {
            // a value that is not a category index has probability 0: gather category 0 and mask it to −∞
            if (v[i] >= 0 && v[i] < Categories && v[i] == Math.Floor(v[i]))
            {
                index[i] = (int)v[i];
            }
            else
            {
                keep ??= Enumerable.Repeat(true, index.Length).ToArray();
                keep[i] = false;
            }
        }

        var lp = Ops.Gather(Ops.LogSoftmax(value.Tape.Constant(_logits)), index);
        return keep is null ? lp : Ops.Where(keep, lp, double.NegativeInfinity);
    }

    /// <inheritdoc/>
    public void Sample(Rng rng, Span<double> destination)
    {
        ArgumentNullException.ThrowIfNull(rng);
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = MathNet.Numerics.Distributions.Categorical.Sample(rng, _probabilities);
        }
    }

    /// <summary>
    /// log softmax(<paramref name="logits"/>) at each observed category (a vector the length of
    /// <paramref name="categories"/>), differentiable in the logits. The index array is read, not copied.
    /// </summary>
    public static Var LogProb(int[] categories, Var logits)
    {
        ArgumentNullException.ThrowIfNull(categories);
        if (logits.Shape.Rank != 1)
        {
            throw new ArgumentException($"Logits must be a vector; got shape {logits.Shape}.", nameof(logits));
        }

        int k = logits.Shape[0];
        int[] index = categories;
        bool[]? keep = null;
        for (int i = 0; i < categories.Length; i++)
        {
            if ((uint)categories[i] >= (uint)k)
            {
                if (keep is null)
                {
                    keep = Enumerable.Repeat(true, categories.Length).ToArray();
                    index = (int[])categories.Clone();
                }

                keep[i] = false;
                index[i] = 0;
            }
        }

        var lp = Ops.Gather(Ops.LogSoftmax(logits), index);
        return keep is null ? lp : Ops.Where(keep, lp, double.NegativeInfinity);
    }
}
