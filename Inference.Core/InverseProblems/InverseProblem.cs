using Inference.Autodiff;
using Inference.Densities;
using Inference.Randomness;

namespace Inference.InverseProblems;

/// <summary>
/// A Bayesian inverse problem y = F(x) + noise: a prior on x, a forward operator F and a noise model. It simulates
/// pairs (x, y) (for amortized posteriors) and gives the posterior for one observed y as a log-density on ℝᵈ, so NUTS,
/// NeuTra and reverse-KL VI all apply to it.
/// </summary>
public sealed class InverseProblem
{
    /// <summary>Creates the problem; the prior's and the operator's dimensions must agree.</summary>
    public InverseProblem(Prior prior, ForwardOperator forward, NoiseModel noise)
    {
        ArgumentNullException.ThrowIfNull(prior);
        ArgumentNullException.ThrowIfNull(forward);
        ArgumentNullException.ThrowIfNull(noise);
        if (prior.Dimension != forward.InputDimension)
        {
            throw new ArgumentException($"The prior has dimension {prior.Dimension}; the forward operator reads {forward.InputDimension}.", nameof(forward));
        }

        Prior = prior;
        Forward = forward;
        Noise = noise;
    }

    /// <summary>The prior on x.</summary>
    public Prior Prior { get; }

    /// <summary>F.</summary>
    public ForwardOperator Forward { get; }

    /// <summary>The noise model.</summary>
    public NoiseModel Noise { get; }

    /// <summary>d: the dimension of x.</summary>
    public int ParameterDimension => Forward.InputDimension;

    /// <summary>m: the dimension of y.</summary>
    public int ObservationDimension => Forward.OutputDimension;

    /// <summary>F(x) for one x, without gradients.</summary>
    public double[] Predict(ReadOnlySpan<double> x)
    {
        if (x.Length != ParameterDimension)
        {
            throw new ArgumentException($"x has {x.Length} values; the problem has dimension {ParameterDimension}.", nameof(x));
        }

        var tape = new Tape();
        using var scope = tape.NoGrad();
        return Forward.Apply(tape.Constant(x)).Value.ToArray();
    }

    /// <summary>
    /// <paramref name="count"/> pairs x ~ prior, y ~ p(y | F(x)) as rows of X [count, d] and Y [count, m] (noise applied:
    /// y is an observation, not F(x)).
    /// </summary>
    public (double[] X, double[] Y) Simulate(Rng rng, int count)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        int d = ParameterDimension, m = ObservationDimension;
        var x = new double[count * d];
        for (int i = 0; i < count; i++)
        {
            Prior.Sample(rng, x.AsSpan(i * d, d));
        }

        var tape = new Tape();
        double[] predicted;
        using (tape.NoGrad())
        {
            predicted = Forward.Apply(tape.Constant(x, Shape.Matrix(count, d))).Value.ToArray();
        }

        var y = new double[count * m];
        for (int i = 0; i < count; i++)
        {
            Noise.Sample(rng, predicted.AsSpan(i * m, m), y.AsSpan(i * m, m));
        }

        return (x, y);
    }

    /// <summary>
    /// The unnormalized posterior log p(x | y) = log p(x) + log p(y | F(x)) for the observation <paramref name="observed"/>,
    /// batched over rows of x (as VI evaluates it) and differentiable.
    /// </summary>
    /// <exception cref="InvalidOperationException">The prior has no log-density.</exception>
    public ILogDensity Posterior(ReadOnlySpan<double> observed)
    {
        if (observed.Length != ObservationDimension)
        {
            throw new ArgumentException($"The observation has {observed.Length} values; the forward operator gives {ObservationDimension}.", nameof(observed));
        }

        Noise.Validate(observed, nameof(observed));
        if (!Prior.HasDensity)
        {
            throw new InvalidOperationException("This prior has no log-density, so no posterior density for one observation: build the prior from tape code or an ILogDensity.");
        }

        var y = Tensor.FromVector(observed.ToArray());
        return LogDensity.FromBatchedTape(ParameterDimension, x =>
        {
            var predicted = Forward.Apply(x);
            var rows = x.Tape.Zeros(predicted.Shape) + x.Tape.Constant(y);
            return Prior.LogDensity(x) + Noise.LogLikelihood(rows, predicted);
        });
    }
}
