using Inference.Autodiff;
using Inference.Flows.Serialization;

namespace Inference.Flows.Bijectors;

/// <summary>
/// Activation normalization (Kingma and Dhariwal 2018, Glow): y = x ⊙ exp(s) + b, with data-dependent
/// initialization: the first batch (two rows or more) that passes through the layer, in either direction, sets
/// s and b so that the layer's output on that batch has zero mean and unit variance per coordinate. The
/// initialization flag is saved with the flow, so a loaded layer is not re-initialized.
/// </summary>
public sealed class ActNorm : FlowBijector, ISerializableFlowLayer<ActNorm>
{
    private readonly Lock _gate = new();

    /// <summary>Creates the (not yet initialized) layer.</summary>
    public ActNorm(int dimension)
        : base(dimension)
    {
        Location = RegisterParameter("loc", new Tensor(Shape.Vector(dimension)));
        LogScale = RegisterParameter("log_scale", new Tensor(Shape.Vector(dimension)));
    }

    /// <summary>b.</summary>
    public Modules.Parameter Location { get; }

    /// <summary>s.</summary>
    public Modules.Parameter LogScale { get; }

    /// <summary>Whether the data-dependent initialization has happened (or was skipped by <see cref="MarkInitialized"/>).</summary>
    public bool IsInitialized { get; private set; }

    /// <summary>Keeps the current parameters: no data-dependent initialization will happen.</summary>
    public void MarkInitialized() => IsInitialized = true;

    private void InitializeFrom(Var batch, bool forward)
    {
        if (IsInitialized || batch.Shape.Rank != 2 || batch.Shape[0] < 2)
        {
            return;
        }

        lock (_gate)
        {
            if (IsInitialized)
            {
                return;
            }

            int n = batch.Shape[0], d = Dimension;
            var v = batch.Value;
            for (int j = 0; j < d; j++)
            {
                double mean = 0, sq = 0;
                for (int i = 0; i < n; i++)
                {
                    mean += v[(i * d) + j];
                }

                mean /= n;
                for (int i = 0; i < n; i++)
                {
                    double e = v[(i * d) + j] - mean;
                    sq += e * e;
                }

                double sd = Math.Sqrt(sq / (n - 1));
                double logSd = sd > 0 && double.IsFinite(sd) ? Math.Log(sd) : 0;
                if (forward)
                {
                    // (x − mean)/sd = x·exp(s) + b
                    LogScale.Value[j] = -logSd;
                    Location.Value[j] = -mean * Math.Exp(-logSd);
                }
                else
                {
                    // (y − b)·exp(−s) standardized
                    LogScale.Value[j] = logSd;
                    Location.Value[j] = mean;
                }
            }

            IsInitialized = true;
        }
    }


    /// <inheritdoc/>
    public static string TypeName => "actnorm";

    /// <inheritdoc/>
    public static ActNorm Read(FlowLayerReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        int d = reader.Dimension;
        bool initialized = reader.Boolean("initialized");
        var layer = reader.Create(2L * d, () => new ActNorm(d));
        if (initialized)
        {
            layer.MarkInitialized();
        }

        return layer;
    }

    /// <inheritdoc/>
    protected internal override void WriteConfiguration(FlowLayerWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Boolean("initialized", IsInitialized);
    }

    /// <inheritdoc/>
    protected override Var ForwardCore(Var x, out Var logAbsDetJacobian)
    {
        InitializeFrom(x, forward: true);
        var t = x.Tape;
        var logScale = LogScale.On(t);
        logAbsDetJacobian = PerEvent(x, Ops.Sum(logScale));
        return (x * Ops.Exp(logScale)) + Location.On(t);
    }

    /// <inheritdoc/>
    protected override Var InverseCore(Var y, out Var logAbsDetJacobian)
    {
        InitializeFrom(y, forward: false);
        var t = y.Tape;
        var logScale = LogScale.On(t);
        logAbsDetJacobian = PerEvent(y, -Ops.Sum(logScale));
        return (y - Location.On(t)) * Ops.Exp(-logScale);
    }
}
