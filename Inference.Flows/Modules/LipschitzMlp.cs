using Inference.Autodiff;
using Inference.Randomness;

namespace Inference.Flows.Modules;

/// <summary>1-Lipschitz activations for <see cref="LipschitzMlp"/>.</summary>
public enum LipschitzActivation
{
    /// <summary>LipSwish (Chen et al. 2019): x·sigmoid(βx)/1.1 with a learned β = softplus(β̂) per layer.</summary>
    LipSwish,

    /// <summary>ELU (α = 1).</summary>
    Elu,
}

/// <summary>
/// g(x) = W̃_L φ(… φ(W̃₁x + b₁) …) + b_L with every weight spectrally normalized to ‖W̃ₗ‖₂ ≤ c and 1-Lipschitz
/// activations φ, so Lip(g) ≤ c: the residual branch of an invertible residual block (i-ResNet, Residual Flows).
/// Besides its value it gives Jacobian-vector products on the tape (forward mode through the layers), for exact
/// log-determinants and the power-series estimator.
/// </summary>
public sealed class LipschitzMlp : Module
{
    private readonly SpectralNormLinear[] _layers;
    private readonly Parameter[] _beta;

    /// <summary>Creates the network; <paramref name="zeroInitLast"/> starts the last layer at zero (g = 0: the block starts as the identity).</summary>
    public LipschitzMlp(int inputs, IReadOnlyList<int> hidden, int outputs, Rng rng, double lipschitz = 0.97, LipschitzActivation activation = LipschitzActivation.LipSwish, bool zeroInitLast = false)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        ArgumentNullException.ThrowIfNull(rng);
        if (hidden.Count == 0 || hidden.Any(h => h <= 0))
        {
            throw new ArgumentException("The network needs at least one hidden layer, each of positive width.", nameof(hidden));
        }

        if (!Enum.IsDefined(activation))
        {
            throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation.");
        }

        Hidden = hidden.ToArray();
        Activation = activation;
        Lipschitz = lipschitz;
        var widths = new List<int> { inputs };
        widths.AddRange(hidden);
        widths.Add(outputs);
        _layers = new SpectralNormLinear[widths.Count - 1];
        for (int l = 0; l < _layers.Length; l++)
        {
            _layers[l] = RegisterModule($"layers.{l}", new SpectralNormLinear(widths[l], widths[l + 1], rng, lipschitz, zeroInitLast && l == _layers.Length - 1));
        }

        // β̂ = 0.5 as normflows' LipSwish (β = softplus(0.5))
        _beta = activation == LipschitzActivation.LipSwish
            ? Enumerable.Range(0, hidden.Count).Select(l => RegisterParameter($"beta.{l}", new Tensor([0.5], Shape.Vector(1)))).ToArray()
            : [];
    }

    /// <summary>Hidden widths.</summary>
    public IReadOnlyList<int> Hidden { get; }

    /// <summary>The activation.</summary>
    public LipschitzActivation Activation { get; }

    /// <summary>c: each layer's spectral-norm bound (and Lip(g) ≤ c).</summary>
    public double Lipschitz { get; }

    /// <summary>The number of values a network of these sizes holds.</summary>
    public static long CountParameters(long inputs, IReadOnlyList<int> hidden, long outputs, LipschitzActivation activation)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        long count = Mlp.CountParameters(inputs, hidden, outputs);
        return activation == LipschitzActivation.LipSwish && count < long.MaxValue ? count + hidden.Count : count;
    }

    /// <summary>
    /// The network's weights on <paramref name="tape"/> for one pass: each W̃ₗ (refreshing the spectral normalization,
    /// see <see cref="SpectralNormLinear"/>), bₗ and each LipSwish β. A pass records them once and evaluates with them.
    /// </summary>
    public Var[] Weights(Tape tape, bool training)
    {
        ArgumentNullException.ThrowIfNull(tape);
        var w = new Var[(2 * _layers.Length) + _beta.Length];
        for (int l = 0; l < _layers.Length; l++)
        {
            w[2 * l] = _layers[l].NormalizedWeight(tape, training);
            w[(2 * l) + 1] = _layers[l].Bias.On(tape);
        }

        for (int l = 0; l < _beta.Length; l++)
        {
            w[(2 * _layers.Length) + l] = Ops.Softplus(_beta[l].On(tape));
        }

        return w;
    }

    /// <summary>g(x) for x [batch, in] with the given weights, and φ′(aₗ) of every hidden layer (for <see cref="Jvp"/>).</summary>
    public Var Forward(ReadOnlySpan<Var> weights, Var x, out Var[] derivatives)
    {
        int layers = _layers.Length;
        derivatives = new Var[layers - 1];
        var h = x;
        for (int l = 0; l < layers; l++)
        {
            var a = Ops.Linear(h, weights[2 * l], weights[(2 * l) + 1]);
            if (l == layers - 1)
            {
                return a;
            }

            if (Activation == LipschitzActivation.Elu)
            {
                h = Ops.Elu(a);
                derivatives[l] = Ops.Exp(Ops.Clamp(a, double.NegativeInfinity, 0)); // 1 for a > 0, eᵃ below
            }
            else
            {
                // φ(a) = a·s/1.1 with s = sigmoid(βa); φ′(a) = (s + βa·s(1 − s))/1.1
                var beta = weights[(2 * layers) + l];
                var ba = a * beta;
                var s = Ops.Sigmoid(ba);
                h = a * s / 1.1;
                derivatives[l] = (s + (ba * s * (1 - s))) / 1.1;
            }
        }

        return h;
    }

    /// <summary>
    /// J_g(x)·v for each row, given the pass's weights and derivatives: <paramref name="directions"/> [batch, in] (one per
    /// row) or [batch, m, in] (m per row; the result [batch, m, out] holds (J vⱼ)ᵀ in row j).
    /// </summary>
    public Var Jvp(ReadOnlySpan<Var> weights, ReadOnlySpan<Var> derivatives, Var directions)
    {
        bool many = directions.Shape.Rank == 3;
        var t = directions;
        for (int l = 0; l < _layers.Length; l++)
        {
            t = Ops.MatMul(t, Ops.Transpose(weights[2 * l]));
            if (l < derivatives.Length)
            {
                var d = derivatives[l];
                t *= many ? Ops.Reshape(d, Shape.Of(d.Shape[0], 1, d.Shape[1])) : d;
            }
        }

        return t;
    }
}
