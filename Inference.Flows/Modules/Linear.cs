using Inference.Autodiff;
using Inference.Randomness;

namespace Inference.Flows.Modules;

/// <summary>
/// y = xWᵀ + b for x [batch, in], with W [out, in] (TorchSharp's and PyTorch's layout, so ported weights load as they
/// are) and b [out], both initialized uniform in ±1/√in (PyTorch's nn.Linear default, which the flows were measured
/// against: Glorot-uniform weights with zero biases trained the ReLU couplings of a RealNVP measurably worse at the
/// same budget).
/// </summary>
public sealed class Linear : Module
{
    /// <summary>Creates the layer; <paramref name="zeroInit"/> starts W and b at zero (a flow layer that starts as the identity).</summary>
    public Linear(int inputs, int outputs, Rng rng, bool zeroInit = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputs);
        ArgumentNullException.ThrowIfNull(rng);
        Inputs = inputs;
        Outputs = outputs;
        var w = new Tensor(Shape.Matrix(outputs, inputs));
        var b = new Tensor(Shape.Vector(outputs));
        if (!zeroInit)
        {
            UniformInit(w, b, rng, mask: null);
        }

        Weight = RegisterParameter(new Parameter("weight", w, transposedInVersion1: true));
        Bias = RegisterParameter("bias", b);
    }

    /// <summary>Input width.</summary>
    public int Inputs { get; }

    /// <summary>Output width.</summary>
    public int Outputs { get; }

    /// <summary>W [out, in].</summary>
    public Parameter Weight { get; }

    /// <summary>b [out].</summary>
    public Parameter Bias { get; }

    /// <summary>The number of values a layer of these sizes holds (W and b), without building it.</summary>
    public static long CountParameters(long inputs, long outputs) => checked((inputs + 1) * outputs);

    /// <summary>xWᵀ + b.</summary>
    public Var Forward(Var x) => x.Shape.Rank == 2
        ? Ops.Linear(x, Weight.On(x.Tape), Bias.On(x.Tape))
        : Ops.MatMul(Weight.On(x.Tape), x) + Bias.On(x.Tape);

    /// <summary>max(xWᵀ + b, 0), fused into one node for a batch.</summary>
    public Var ForwardRelu(Var x) => x.Shape.Rank == 2
        ? Ops.LinearRelu(x, Weight.On(x.Tape), Bias.On(x.Tape))
        : Ops.Relu(Forward(x));

    /// <summary>
    /// PyTorch's nn.Linear initialization of W [out, in] and b: uniform in ±1/√in, W times an optional 0/1 mask of the
    /// same layout. The draws run input-major (the order of the [in, out] layout this library had first), so that a
    /// seed builds the same network as before the layout changed and earlier measured figures still reproduce.
    /// </summary>
    internal static void UniformInit(Tensor weight, Tensor bias, Rng rng, Tensor? mask)
    {
        int outputs = weight.Shape[0], inputs = weight.Shape[1];
        double limit = 1 / Math.Sqrt(inputs);
        for (int i = 0; i < inputs; i++)
        {
            for (int o = 0; o < outputs; o++)
            {
                int at = (o * inputs) + i;
                weight[at] = (mask?[at] ?? 1) * rng.Uniform(-limit, limit);
            }
        }

        for (int o = 0; o < outputs; o++)
        {
            bias[o] = rng.Uniform(-limit, limit);
        }
    }
}
