using MathNet.Numerics.LinearAlgebra;
using Inference.Autodiff;
using Inference.Randomness;

namespace Inference.Flows.Modules;

/// <summary>
/// A dense layer y = xW̃ᵀ + b whose weight W [out, in] is divided by its spectral norm where that exceeds the bound c:
/// W̃ = W·min(1, c/σ̂), σ̂ = uᵀWv (Miyato et al. 2018; Behrmann et al. 2019). The singular vectors u [out] and v [in] are
/// buffers, saved with the flow. When W has changed, a training pass (a tape that records gradients of the parameters)
/// takes one power-iteration step from the saved vectors, as PyTorch's spectral_norm does; any other pass (sampling,
/// evaluation, NeuTra) first computes the exact top singular triple by SVD, so that ‖W̃‖₂ ≤ c holds exactly whenever
/// the layer is evaluated, not only approximately during training. The gradient flows through σ̂ with u, v fixed.
/// </summary>
public sealed class SpectralNormLinear : Module
{
    private readonly Lock _gate = new();
    private readonly Tensor _u;
    private readonly Tensor _v;
    private readonly double[] _seen;
    private readonly Tensor _exact;

    /// <summary>Creates the layer with PyTorch's nn.Linear initialization (W and b at zero with <paramref name="zeroInit"/>).</summary>
    public SpectralNormLinear(int inputs, int outputs, Rng rng, double lipschitz, bool zeroInit = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputs);
        ArgumentNullException.ThrowIfNull(rng);
        if (!(lipschitz > 0) || !double.IsFinite(lipschitz))
        {
            throw new ArgumentOutOfRangeException(nameof(lipschitz), lipschitz, "The spectral-norm bound must be positive and finite.");
        }

        Inputs = inputs;
        Outputs = outputs;
        Lipschitz = lipschitz;
        var w = new Tensor(Shape.Matrix(outputs, inputs));
        var b = new Tensor(Shape.Vector(outputs));
        if (!zeroInit)
        {
            Linear.UniformInit(w, b, rng, mask: null);
        }

        Weight = RegisterParameter("weight", w);
        Bias = RegisterParameter("bias", b);
        _u = RegisterBuffer("u", new Tensor(Shape.Vector(outputs)));
        _v = RegisterBuffer("v", new Tensor(Shape.Vector(inputs)));
        // 1 when u, v are W's exact singular vectors (saved, so a loaded layer knows whether it must recompute them)
        _exact = RegisterBuffer("exact", new Tensor(Shape.Vector(1)));
        rng.Normal(_u.Span);
        Normalize(_u.Span);
        _seen = new double[w.Length];
        _seen[0] = double.NaN; // differs from any weight: the first pass refreshes the vectors
    }

    /// <summary>Input width.</summary>
    public int Inputs { get; }

    /// <summary>Output width.</summary>
    public int Outputs { get; }

    /// <summary>c: the bound on ‖W̃‖₂.</summary>
    public double Lipschitz { get; }

    /// <summary>W [out, in] before normalization.</summary>
    public Parameter Weight { get; }

    /// <summary>b [out].</summary>
    public Parameter Bias { get; }

    /// <summary>The number of values a layer of these sizes holds (W and b).</summary>
    public static long CountParameters(long inputs, long outputs) => Linear.CountParameters(inputs, outputs);

    /// <summary>
    /// W̃ on <paramref name="tape"/>, after refreshing the singular vectors for the current W: one power-iteration step
    /// when <paramref name="training"/>, the exact SVD otherwise.
    /// </summary>
    public Var NormalizedWeight(Tape tape, bool training)
    {
        ArgumentNullException.ThrowIfNull(tape);
        var w = Weight.On(tape);
        Var u, v;
        lock (_gate)
        {
            Refresh(training);
            u = tape.Constant(_u.Span);
            v = tape.Constant(_v.Span);
        }

        var sigma = Ops.Dot(u, Ops.MatMul(w, v));
        return sigma.Item > Lipschitz ? w * (Lipschitz / sigma) : w;
    }

    /// <summary>The exact spectral norm of W̃ as the layer would use it in evaluation (for tests and checks).</summary>
    public double NormalizedSpectralNorm()
    {
        double sigma = Matrix<double>.Build.DenseOfRowMajor(Outputs, Inputs, Weight.Value.Data).L2Norm();
        return Math.Min(sigma, Lipschitz);
    }

    /// <inheritdoc/>
    protected internal override void OnLoaded()
    {
        // the saved vectors belong to the saved weight
        lock (_gate)
        {
            Weight.Value.Data.CopyTo(_seen, 0);
        }
    }

    // under the gate
    private void Refresh(bool training)
    {
        var w = Weight.Value.Data;
        bool changed = !w.AsSpan().SequenceEqual(_seen);
        if (changed)
        {
            w.CopyTo(_seen, 0);
            _exact[0] = 0;
            if (training)
            {
                PowerIteration(w);
                return;
            }
        }

        if (!training && _exact[0] != 1)
        {
            ExactSingularVectors(w);
            _exact[0] = 1;
        }
    }

    // v ← Wᵀu/‖Wᵀu‖, u ← Wv/‖Wv‖; a zero W leaves the vectors as they are
    private void PowerIteration(double[] w)
    {
        Span<double> u = _u.Span, v = _v.Span;
        var nextV = new double[Inputs];
        for (int o = 0; o < Outputs; o++)
        {
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(w.AsSpan(o * Inputs, Inputs), u[o], nextV, nextV);
        }

        if (!Normalize(nextV))
        {
            return;
        }

        var nextU = new double[Outputs];
        for (int o = 0; o < Outputs; o++)
        {
            nextU[o] = System.Numerics.Tensors.TensorPrimitives.Dot(w.AsSpan(o * Inputs, Inputs), nextV);
        }

        if (Normalize(nextU))
        {
            nextV.CopyTo(v);
            nextU.CopyTo(u);
        }
    }

    private void ExactSingularVectors(double[] w)
    {
        var svd = Matrix<double>.Build.DenseOfRowMajor(Outputs, Inputs, w).Svd(computeVectors: true);
        if (svd.S[0] == 0)
        {
            return; // W = 0: any unit vectors give σ̂ = 0, W̃ = W
        }

        for (int o = 0; o < Outputs; o++)
        {
            _u[o] = svd.U[o, 0];
        }

        for (int i = 0; i < Inputs; i++)
        {
            _v[i] = svd.VT[0, i];
        }
    }

    private static bool Normalize(Span<double> x)
    {
        double norm = System.Numerics.Tensors.TensorPrimitives.Norm(x);
        if (!(norm > 0) || !double.IsFinite(norm))
        {
            return false;
        }

        System.Numerics.Tensors.TensorPrimitives.Multiply(x, 1 / norm, x);
        return true;
    }
}
