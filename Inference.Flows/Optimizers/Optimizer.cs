using Inference.Flows.Modules;

namespace Inference.Flows.Optimizers;

/// <summary>Learning-rate schedules: the multiplier of the base rate at a step (0-based).</summary>
public static class LearningRateSchedule
{
    /// <summary>Constant rate.</summary>
    public static Func<int, double> Constant() => _ => 1;

    /// <summary>Multiplies the rate by <paramref name="gamma"/> at each milestone step.</summary>
    public static Func<int, double> Step(IReadOnlyList<int> milestones, double gamma)
    {
        ArgumentNullException.ThrowIfNull(milestones);
        var sorted = milestones.OrderBy(m => m).ToArray();
        return step => Math.Pow(gamma, sorted.Count(m => step >= m));
    }

    /// <summary>Cosine decay from 1 to <paramref name="minimumFactor"/> over <paramref name="totalSteps"/>.</summary>
    public static Func<int, double> Cosine(int totalSteps, double minimumFactor = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(totalSteps);
        return step => minimumFactor + ((1 - minimumFactor) * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(step, totalSteps) / totalSteps)));
    }

    /// <summary>Linear warm-up over <paramref name="warmupSteps"/>, then <paramref name="after"/> (shifted to start at 0).</summary>
    public static Func<int, double> WithWarmup(int warmupSteps, Func<int, double> after)
    {
        ArgumentNullException.ThrowIfNull(after);
        return step => step < warmupSteps ? (step + 1.0) / warmupSteps : after(step - warmupSteps);
    }
}

/// <summary>Base of the optimizers: parameters, learning rate with a schedule, gradient clipping.</summary>
public abstract class Optimizer
{
    /// <summary>Creates the optimizer.</summary>
    protected Optimizer(IEnumerable<Parameter> parameters, double learningRate, Func<int, double>? schedule)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(learningRate > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "Must be positive.");
        }

        Parameters = parameters.ToArray();
        LearningRate = learningRate;
        Schedule = schedule ?? LearningRateSchedule.Constant();
    }

    /// <summary>The parameters updated.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>The base learning rate.</summary>
    public double LearningRate { get; }

    /// <summary>The schedule's multiplier per step.</summary>
    public Func<int, double> Schedule { get; }

    /// <summary>Steps taken.</summary>
    public int Steps { get; private set; }

    /// <summary>The rate at the current step.</summary>
    public double CurrentLearningRate => LearningRate * Schedule(Steps);

    /// <summary>Sets every gradient to zero.</summary>
    public void ZeroGrad()
    {
        for (int k = 0; k < Parameters.Count; k++)
        {
            Array.Clear(Parameters[k].Grad);
        }
    }

    /// <summary>Scales the gradients so their global L2 norm is at most <paramref name="maxNorm"/>; returns the norm before clipping.</summary>
    public double ClipGradientNorm(double maxNorm)
    {
        double sq = 0;
        for (int k = 0; k < Parameters.Count; k++)
        {
            sq += System.Numerics.Tensors.TensorPrimitives.Dot(Parameters[k].Grad, Parameters[k].Grad);
        }

        double norm = Math.Sqrt(sq);
        if (norm > maxNorm && norm > 0)
        {
            double scale = maxNorm / norm;
            for (int k = 0; k < Parameters.Count; k++)
            {
                System.Numerics.Tensors.TensorPrimitives.Multiply(Parameters[k].Grad, scale, Parameters[k].Grad);
            }
        }

        return norm;
    }

    /// <summary>One update with the current gradients (gradients of a loss to minimize).</summary>
    public void Step()
    {
        Update(CurrentLearningRate);
        Steps++;
    }

    /// <summary>The update rule.</summary>
    protected abstract void Update(double learningRate);
}

/// <summary>Adam (Kingma and Ba) with bias correction.</summary>
public sealed class Adam : Optimizer
{
    private readonly double[][] _m;
    private readonly double[][] _v;

    /// <summary>Creates Adam.</summary>
    public Adam(IEnumerable<Parameter> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, Func<int, double>? schedule = null)
        : base(parameters, learningRate, schedule)
    {
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        _m = Parameters.Select(p => new double[p.Value.Length]).ToArray();
        _v = Parameters.Select(p => new double[p.Value.Length]).ToArray();
    }

    /// <summary>β₁.</summary>
    public double Beta1 { get; }

    /// <summary>β₂.</summary>
    public double Beta2 { get; }

    /// <summary>ε.</summary>
    public double Epsilon { get; }

    /// <inheritdoc/>
    protected override void Update(double learningRate)
    {
        int t = Steps + 1;
        double c1 = 1 - Math.Pow(Beta1, t), c2 = 1 - Math.Pow(Beta2, t);
        for (int k = 0; k < Parameters.Count; k++)
        {
            var p = Parameters[k];
            var m = _m[k];
            var v = _v[k];
            AdamStep(p.Value.Data, p.Grad, m, v, learningRate / c1, 1 / c2);
        }
    }

    // m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; x ← x − (lr/c₁)·m / (√(v/c₂) + ε), vectorized
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void AdamStep(Span<double> x, ReadOnlySpan<double> grad, Span<double> m, Span<double> v, double stepOverC1, double inverseC2)
    {
        double b1 = Beta1, b2 = Beta2, eps = Epsilon;
        int i = 0;
        int w = System.Numerics.Vector<double>.Count;
        for (; i + w <= x.Length; i += w)
        {
            var g = new System.Numerics.Vector<double>(grad[i..]);
            var mi = (new System.Numerics.Vector<double>(m[i..]) * b1) + (g * (1 - b1));
            var vi = (new System.Numerics.Vector<double>(v[i..]) * b2) + (g * g * (1 - b2));
            mi.CopyTo(m[i..]);
            vi.CopyTo(v[i..]);
            var xi = new System.Numerics.Vector<double>(x[i..]) - (mi * stepOverC1 / (System.Numerics.Vector.SquareRoot(vi * inverseC2) + new System.Numerics.Vector<double>(eps)));
            xi.CopyTo(x[i..]);
        }

        for (; i < x.Length; i++)
        {
            double g = grad[i];
            m[i] = (b1 * m[i]) + ((1 - b1) * g);
            v[i] = (b2 * v[i]) + ((1 - b2) * g * g);
            x[i] -= stepOverC1 * m[i] / (Math.Sqrt(v[i] * inverseC2) + eps);
        }
    }
}

/// <summary>Stochastic gradient descent with optional momentum.</summary>
public sealed class Sgd : Optimizer
{
    private readonly double[][] _velocity;

    /// <summary>Creates SGD.</summary>
    public Sgd(IEnumerable<Parameter> parameters, double learningRate, double momentum = 0, Func<int, double>? schedule = null)
        : base(parameters, learningRate, schedule)
    {
        if (!(momentum >= 0 && momentum < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Must be in [0, 1).");
        }

        Momentum = momentum;
        _velocity = Parameters.Select(p => new double[p.Value.Length]).ToArray();
    }

    /// <summary>The momentum coefficient.</summary>
    public double Momentum { get; }

    /// <inheritdoc/>
    protected override void Update(double learningRate)
    {
        for (int k = 0; k < Parameters.Count; k++)
        {
            var p = Parameters[k];
            var vel = _velocity[k];
            var x = p.Value.Data;
            for (int i = 0; i < x.Length; i++)
            {
                vel[i] = (Momentum * vel[i]) + p.Grad[i];
                x[i] -= learningRate * vel[i];
            }
        }
    }
}
