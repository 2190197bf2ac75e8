using Inference.Autodiff;
using Inference.Randomness;

namespace Inference.Flows.Modules;

/// <summary>
/// MADE (Germain et al. 2015): a masked MLP on ℝᴰ whose outputs for coordinate i depend only on inputs
/// x₀ … x_{i−1}. It gives <see cref="ParametersPerDimension"/> outputs per coordinate, laid out
/// coordinate-major: output i·P + p is parameter p of coordinate i, so reshaping to [batch, D, P] groups them.
/// </summary>
/// <remarks>
/// Degrees: input i has degree i + 1; hidden units cycle through 1 … D−1 (all 0 when D = 1, so they see no
/// input); a hidden unit of degree m sees inputs of degree ≤ m and an output of coordinate i (degree i + 1)
/// sees hidden units of degree &lt; i + 1. The output layer starts at zero when asked (an identity flow layer).
/// </remarks>
public sealed class Made : Module
{
    private readonly MaskedLinear[] _layers;
    private readonly Linear? _context;

    /// <summary>
    /// Creates the network; with <paramref name="contextDimension"/> &gt; 0 a context y enters every unit of the first
    /// hidden layer through an unmasked linear map (nflows' conditional MADE), so every output may depend on y.
    /// </summary>
    public Made(int dimension, IReadOnlyList<int> hidden, int parametersPerDimension, Rng rng, Activation activation = Activation.Relu, bool zeroInitLast = true, int contextDimension = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(contextDimension);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        ArgumentNullException.ThrowIfNull(hidden);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parametersPerDimension);
        ArgumentNullException.ThrowIfNull(rng);
        if (hidden.Count == 0 || hidden.Any(h => h <= 0))
        {
            throw new ArgumentException("MADE needs at least one hidden layer, each of positive width.", nameof(hidden));
        }

        Dimension = dimension;
        ParametersPerDimension = parametersPerDimension;
        Hidden = hidden.ToArray();
        ActivationFunction = activation;
        var degrees = new List<int[]> { Enumerable.Range(1, dimension).ToArray() };
        foreach (int h in hidden)
        {
            degrees.Add(Enumerable.Range(0, h).Select(k => dimension == 1 ? 0 : (k % (dimension - 1)) + 1).ToArray());
        }

        var outDegrees = new int[dimension * parametersPerDimension];
        for (int i = 0; i < dimension; i++)
        {
            for (int p = 0; p < parametersPerDimension; p++)
            {
                outDegrees[(i * parametersPerDimension) + p] = i + 1;
            }
        }

        _layers = new MaskedLinear[hidden.Count + 1];
        for (int l = 0; l < _layers.Length; l++)
        {
            var from = degrees[l];
            bool last = l == _layers.Length - 1;
            var to = last ? outDegrees : degrees[l + 1];
            var mask = new Tensor(Shape.Matrix(to.Length, from.Length));
            for (int i = 0; i < from.Length; i++)
            {
                for (int j = 0; j < to.Length; j++)
                {
                    bool connected = last ? to[j] > from[i] : to[j] >= from[i];
                    mask[(j * from.Length) + i] = connected ? 1 : 0;
                }
            }

            _layers[l] = RegisterModule($"layers.{l}", new MaskedLinear(mask, rng, zeroInit: last && zeroInitLast));
        }

        if (contextDimension > 0)
        {
            _context = RegisterModule("context", new Linear(contextDimension, hidden[0], rng));
        }

        ContextDimension = contextDimension;
    }

    /// <summary>The number of values a network of these sizes holds (masked weights counted whole, as they are stored).</summary>
    public static long CountParameters(long dimension, IReadOnlyList<int> hidden, long parametersPerDimension, long contextDimension)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        long count = Mlp.CountParameters(dimension, hidden, dimension * parametersPerDimension);
        return contextDimension > 0 && hidden.Count > 0 && count < long.MaxValue ? count + Linear.CountParameters(contextDimension, hidden[0]) : count;
    }

    /// <summary>The width of the context y (0 when unconditional).</summary>
    public int ContextDimension { get; }

    /// <summary>D.</summary>
    public int Dimension { get; }

    /// <summary>P: outputs per coordinate.</summary>
    public int ParametersPerDimension { get; }

    /// <summary>Hidden widths.</summary>
    public IReadOnlyList<int> Hidden { get; }

    /// <summary>The hidden activation.</summary>
    public Activation ActivationFunction { get; }

    /// <summary>The outputs [batch, D·P] for x [batch, D].</summary>
    public Var Forward(Var x) => Forward(x, default);

    /// <summary>The outputs [batch, D·P] for x [batch, D] and context rows [batch, C] (default when unconditional).</summary>
    public Var Forward(Var x, Var context)
    {
        if (_context is not null && context.Tape is null)
        {
            throw new ArgumentException($"This MADE is conditional: it needs a context of {ContextDimension} values.", nameof(context));
        }

        var h = x;
        for (int l = 0; l < _layers.Length; l++)
        {
            bool hidden = l < _layers.Length - 1;
            if (l == 0 && _context is not null)
            {
                h = _layers[0].Forward(h) + _context.Forward(context);
                h = Mlp.Activate(h, ActivationFunction);
                continue;
            }

            if (hidden && ActivationFunction == Activation.Relu)
            {
                h = _layers[l].ForwardRelu(h);
                continue;
            }

            h = _layers[l].Forward(h);
            if (hidden)
            {
                h = Mlp.Activate(h, ActivationFunction);
            }
        }

        return h;
    }
}
