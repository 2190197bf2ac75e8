namespace Inference.Flows.Variational;

/// <summary>
/// The optimizer settings every flow fit shares: reverse KL (<see cref="VariationalOptions"/>) and forward KL
/// (<see cref="DensityEstimationOptions"/>).
/// </summary>
public abstract record FlowFitOptions
{
    /// <summary>Optimizer steps.</summary>
    public int Iterations { get; init; } = 2000;

    /// <summary>Points per step: base draws (reverse KL) or training points drawn with replacement (forward KL).</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>Adam's learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Learning-rate schedule (multiplier per step); default constant.</summary>
    public Func<int, double>? Schedule { get; init; }

    /// <summary>Global gradient-norm clip (positive; <see cref="double.PositiveInfinity"/> for none).</summary>
    public double GradientClip { get; init; } = 1e4;

    /// <summary>Seed of every random choice of the fit.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Checks the options.</summary>
    public virtual void Validate()
    {
#pragma warning disable CA2208 // the exceptions name the offending setting
        ArgumentOutOfRangeException.ThrowIfNegative(Iterations, nameof(Iterations));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(BatchSize, nameof(BatchSize));
        if (!(LearningRate > 0) || double.IsPositiveInfinity(LearningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "Must be positive and finite.");
        }

        // a negative clip would flip the gradient (the fit would climb the loss) and zero would freeze it
        if (!(GradientClip > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(GradientClip), GradientClip, "Must be positive (double.PositiveInfinity: no clipping).");
        }
#pragma warning restore CA2208
    }
}
