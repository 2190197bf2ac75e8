using Inference.Autodiff;
using Inference.Randomness;

namespace Inference.Flows.Modules;

/// <summary>Activations for <see cref="Mlp"/>.</summary>
public enum Activation
{
    /// <summary>tanh.</summary>
    Tanh,

    /// <summary>max(x, 0).</summary>
    Relu,

    /// <summary>ELU (α = 1).</summary>
    Elu,
}

/// <summary>A multilayer perceptron: Linear → activation → … → Linear (no activation on the output).</summary>
public sealed class Mlp : Module
{
    private readonly Linear[] _layers;

    /// <summary>
    /// Creates the network with the given hidden widths; <paramref name="zeroInitLast"/> zero-initializes the last
    /// layer so the network starts at 0 (a coupling layer then starts as the identity).
    /// </summary>
    public Mlp(int inputs, IReadOnlyList<int> hidden, int outputs, Rng rng, Activation activation = Activation.Tanh, bool zeroInitLast = false)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        var widths = new List<int> { inputs };
        widths.AddRange(hidden);
        widths.Add(outputs);
        _layers = new Linear[widths.Count - 1];
        for (int l = 0; l < _layers.Length; l++)
        {
            _layers[l] = RegisterModule($"layers.{l}", new Linear(widths[l], widths[l + 1], rng, zeroInitLast && l == _layers.Length - 1));
        }

        ActivationFunction = activation;
    }

    /// <summary>The hidden activation.</summary>
    public Activation ActivationFunction { get; }

    /// <summary>
    /// The number of values a network of these sizes holds, without building it (saturating at <see cref="long.MaxValue"/>,
    /// so that a flow file's sizes can be checked before anything is allocated).
    /// </summary>
    public static long CountParameters(long inputs, IReadOnlyList<int> hidden, long outputs)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        try
        {
            checked
            {
                long total = 0, width = inputs;
                foreach (int h in hidden)
                {
                    total += Linear.CountParameters(width, h);
                    width = h;
                }

                return total + Linear.CountParameters(width, outputs);
            }
        }
        catch (OverflowException)
        {
            return long.MaxValue;
        }
    }

    /// <summary>The network applied to x [batch, in].</summary>
    public Var Forward(Var x)
    {
        var h = x;
        for (int l = 0; l < _layers.Length; l++)
        {
            bool hidden = l < _layers.Length - 1;
            if (hidden && ActivationFunction == Activation.Relu)
            {
                h = _layers[l].ForwardRelu(h);
                continue;
            }

            h = _layers[l].Forward(h);
            if (hidden)
            {
                h = Activate(h, ActivationFunction);
            }
        }

        return h;
    }

    /// <summary>Applies <paramref name="activation"/> elementwise.</summary>
    internal static Var Activate(Var h, Activation activation) => activation switch
    {
        Activation.Relu => Ops.Relu(h),
        Activation.Elu => Ops.Elu(h),
        _ => Ops.Tanh(h),
    };
}
