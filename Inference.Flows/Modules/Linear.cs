using Inference.Autodiff;
using Inference.Randomness;

namespace Inference.Flows.Modules;

/// <summary>y = xW + b for x [batch, in], with W [in, out] (Glorot-uniform initialization) and b [out] (zeros).</summary>
public sealed class Linear : Module
{
    /// <summary>Creates the layer; <paramref name="zeroInit"/> starts W at zero (a flow layer that starts as the identity).</summary>
    public Linear(int inputs, int outputs, Rng rng, bool zeroInit = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputs);
        ArgumentNullException.ThrowIfNull(rng);
        Inputs = inputs;
        Outputs = outputs;
        var w = new Tensor(Shape.Matrix(inputs, outputs));
        if (!zeroInit)
        {
            double limit = Math.Sqrt(6.0 / (inputs + outputs));
            for (int i = 0; i < w.Length; i++)
            {
                w[i] = rng.Uniform(-limit, limit);
            }
        }

        Weight = RegisterParameter("weight", w);
        Bias = RegisterParameter("bias", new Tensor(Shape.Vector(outputs)));
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
}
