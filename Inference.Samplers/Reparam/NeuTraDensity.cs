using Inference.Autodiff;
using Inference.Densities;
using Inference.Samplers.Kernels;
using Inference.Transforms;

namespace Inference.Samplers.Reparam;

/// <summary>
/// NeuTra (Hoffman et al. 2019): the target pulled back through a bijector T fitted to it,
/// ℓ_z(z) = ℓ(T(z)) + log|det ∂T/∂z|. When q = T # N(0, I) ≈ p, ℓ_z is close to a standard normal, which
/// HMC samples easily; draws are reported as x = T(z), then on the target's own scale (a model's
/// constrained parameters). Any <see cref="IBijector"/> works, a trained flow included: Samplers needs no
/// reference to Flows.
/// </summary>
public sealed class NeuTraDensity : IConstrainedDensity
{
    private readonly ILogDensity _target;
    private readonly IBijector _transform;

    /// <summary>Pulls <paramref name="target"/> back through <paramref name="transform"/>.</summary>
    /// <exception cref="ArgumentException">Dimensions differ, or the log-Jacobian is a stochastic estimate (which would break detailed balance) and <paramref name="allowStochasticLogDet"/> is false.</exception>
    public NeuTraDensity(ILogDensity target, IBijector transform, bool allowStochasticLogDet = false)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(transform);
        if (transform.InputDimension != target.Dimension || transform.OutputDimension != target.Dimension)
        {
            throw new ArgumentException($"The bijector maps ℝ^{transform.InputDimension} → ℝ^{transform.OutputDimension}; the target has dimension {target.Dimension}.", nameof(transform));
        }

        if (!transform.HasExactLogDet && !allowStochasticLogDet)
        {
            throw new ArgumentException("The bijector's log-Jacobian is a stochastic estimate, which breaks Metropolis–Hastings exactness; use an exact log-det or opt in.", nameof(transform));
        }

        _target = target;
        _transform = transform;
        CoordinateNames = Enumerable.Range(1, target.Dimension).Select(i => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"z[{i}]")).ToArray();
        ConstrainedNames = target is IConstrainedDensity c ? c.ConstrainedNames : target.CoordinateNames;
    }

    /// <inheritdoc/>
    public int Dimension => _target.Dimension;

    /// <inheritdoc/>
    public IReadOnlyList<string> CoordinateNames { get; }

    /// <inheritdoc/>
    public IReadOnlyList<string> ConstrainedNames { get; }

    /// <inheritdoc/>
    public ILogDensityEvaluator CreateEvaluator() => new Evaluator(this);

    /// <inheritdoc/>
    public IDrawConstrainer CreateConstrainer() => new Evaluator(this);

    private sealed class Evaluator : ILogDensityEvaluator, IDrawConstrainer, IBatchValueEvaluator
    {
        private readonly NeuTraDensity _owner;
        private readonly ILogDensityEvaluator _inner;
        private readonly IDrawConstrainer? _innerConstrainer;
        // only ∂/∂z is needed: the bijector's own parameters (a trained flow's weights) stay constants
        private readonly Tape _tape = new() { BindsVariables = false };
        private readonly double[] _targetGradient;
        private readonly CustomOp _targetOp;
        // the last batch's base points and their images, so recording an accepted proposal needs no second pass
        private double[] _cachedZ = [];
        private double[] _cachedX = [];
        private int _cachedRows;

        public Evaluator(NeuTraDensity owner)
        {
            _owner = owner;
            _inner = owner._target.CreateEvaluator();
            _innerConstrainer = (owner._target as IConstrainedDensity)?.CreateConstrainer();
            _targetGradient = new double[owner.Dimension];
            _targetOp = new CustomOp(
                "target-log-density",
                (in CustomOpInputs inputs, Span<double> output) => output[0] = _inner.LogDensityAndGradient(inputs[0], _targetGradient),
                (in CustomOpInputs inputs, ReadOnlySpan<double> output, ReadOnlySpan<double> outputGrad, in CustomOpGradients grads) =>
                {
                    if (grads.IsRequired(0))
                    {
                        System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(_targetGradient, outputGrad[0], grads[0], grads[0]);
                    }
                });
        }

        public int Dimension => _owner.Dimension;

        public double LogDensity(ReadOnlySpan<double> x)
        {
            using var session = _tape.Begin();
            using var scope = _tape.NoGrad();
            var y = _owner._transform.Forward(_tape.Constant(x), out var logDet);
            double lp = _inner.LogDensity(y.Value);
            return lp + logDet.Item;
        }

        public double LogDensityAndGradient(ReadOnlySpan<double> x, Span<double> gradient)
        {
            using var session = _tape.Begin();
            var z = _tape.Variable(x);
            var y = _owner._transform.Forward(z, out var logDet);
            var total = Ops.Custom(_targetOp, Shape.Scalar, y) + logDet;
            _tape.Backward(total);
            z.Grad.CopyTo(gradient);
            return total.Item;
        }

        public void LogDensityAndGradientBatch(ReadOnlySpan<double> points, Span<double> values, Span<double> gradients)
        {
            int d = Dimension;
            if (points.Length != values.Length * d || gradients.Length != points.Length)
            {
                throw new ArgumentException($"Expected {values.Length} points of {d} coordinates and gradients of the same size.", nameof(points));
            }

            for (int b = 0; b < values.Length; b++)
            {
                values[b] = LogDensityAndGradient(points.Slice(b * d, d), gradients.Slice(b * d, d));
            }
        }

        public void LogDensityBatch(ReadOnlySpan<double> points, Span<double> values)
        {
            int d = Dimension, n = values.Length;
            if (points.Length != n * d)
            {
                throw new ArgumentException($"Expected {n} points of {d} coordinates.", nameof(points));
            }

            using var session = _tape.Begin();
            using var scope = _tape.NoGrad();
            var y = _owner._transform.Forward(_tape.Constant(points, Shape.Matrix(n, d)), out var logDet);
            var images = y.Value;
            var logDets = logDet.Value;
            if (_cachedZ.Length < n * d)
            {
                _cachedZ = new double[n * d];
                _cachedX = new double[n * d];
            }

            points.CopyTo(_cachedZ);
            images[..(n * d)].CopyTo(_cachedX);
            _cachedRows = n;
            for (int i = 0; i < n; i++)
            {
                values[i] = _inner.LogDensity(images.Slice(i * d, d)) + logDets[i];
            }
        }

        public void Constrain(ReadOnlySpan<double> x, Span<double> destination)
        {
            int d = Dimension;
            double[]? position = null;
            for (int i = 0; i < _cachedRows && position is null; i++)
            {
                if (x.SequenceEqual(_cachedZ.AsSpan(i * d, d)))
                {
                    position = _cachedX.AsSpan(i * d, d).ToArray();
                }
            }

            if (position is null)
            {
                using var session = _tape.Begin();
                using (_tape.NoGrad())
                {
                    position = _owner._transform.Forward(_tape.Constant(x), out _).Value.ToArray();
                }
            }

            if (_innerConstrainer is null)
            {
                position.CopyTo(destination);
            }
            else
            {
                _innerConstrainer.Constrain(position, destination);
            }
        }
    }
}
