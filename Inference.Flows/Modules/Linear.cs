using Inference.Autodiff;
using Inference.Randomness;

namespace Inference.Flows.Modules;

/// <summary>
/// y = xW + b for x [batch, in], with W [in, out] and b [out] both initialized uniform in ±1/√in (PyTorch's
/// nn.Linear default, which the flows were measured against: Glorot-uniform weights with zero biases trained the
/// ReLU couplings of a RealNVP measurably worse at the same budget).
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
        var w = new Tensor(Shape.Matrix(inputs, outputs));
        var b = new Tensor(Shape.Vector(outputs));
        if (!zeroInit)
        {
            double limit = 1 / Math.Sqrt(inputs);
            for (int i = 0; i < w.Length; i++)
            {
                w[i] = rng.Uniform(-limit, limit);
            }

            for (int i = 0; i < outputs; i++)
            {
                b[i] = rng.Uniform(-limit, limit);
            }
        }

        Weight = RegisterParameter("weight", w);
        Bias = RegisterParameter("bias", b);
    }

    /// <summary>Input width.</summary>
    public int Inputs { get; }

    /// <summary>Output width.</summary>
    public int Outputs { get; }

    /// <summary>W [in, out].</summary>
    public Parameter Weight { get; }

    /// <summary>b [out].</summary>
    public Parameter Bias { get; }

    /// <summary>xW + b.</summary>
    public Var Forward(Var x) => x.Shape.Rank == 2
        ? Ops.Linear(x, Weight.On(x.Tape), Bias.On(x.Tape))
        : Ops.MatMul(x, Weight.On(x.Tape)) + Bias.On(x.Tape);

    /// <summary>max(xW + b, 0), fused into one node for a batch.</summary>
    public Var ForwardRelu(Var x) => x.Shape.Rank == 2
        ? Ops.LinearRelu(x, Weight.On(x.Tape), Bias.On(x.Tape))
        : Ops.Relu(Forward(x));
}
