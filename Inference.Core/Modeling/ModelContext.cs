using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Inference.Autodiff;
using Inference.Distributions;
using Inference.Transforms;
using Inference.Transforms.Bijectors;

namespace Inference.Modeling;

/// <summary>
/// What a model body sees: declare parameters (constrained values come back), add prior and likelihood
/// terms, record derived quantities. The body runs at every evaluation, so it must declare the same
/// parameters in the same order each time.
/// </summary>
public sealed class ModelContext
{
    private readonly List<ParameterInfo> _discovered = [];
    private readonly List<DerivedInfo> _discoveredDerived = [];
    private readonly Dictionary<string, DataEntry> _data = new(StringComparer.Ordinal);
    private ParameterLayout? _layout;
    private Var _position;
    private int _nextParameter;
    private int _nextDerived;
    // the log-density's terms in the order added; summed in that order by LogDensityTotal (one node) or the folds below
    private readonly List<Var> _priorTerms = [];
    private readonly List<Var> _likelihoodTerms = [];
    private readonly List<Var> _jacobianTerms = [];
    private List<double>? _pointwise;
    private double[]? _derivedOut;
    private int _derivedCursor;
    private double[]? _parametersOut;          // constrained parameter values, output order (ModelEvaluator.Constrain)
    private double[]? _unconstrainFrom;        // constrained values to invert (CompiledModel.Unconstrain) ...
    private double[]? _unconstrainTo;          // ... and the unconstrained vector they give
    private int _parameterCursor;
    private Randomness.Rng? _rng;                // predictive draws: the body's generated quantities draw from it
    private List<(string Name, double[] Values)>? _predicted;
    private bool _samplePriors;                  // prior predictive: parameters are drawn from the priors they were declared with

    private static readonly DependentBoundsConstraint EvaluatingBounds = new("bounds");

    internal ModelContext(Tape tape) => Tape = tape;

    /// <summary>The tape the model is being evaluated on (to bring in data: <c>Tape.Constant(tensor)</c>).</summary>
    public Tape Tape { get; }

    /// <summary>True when the caller wants derived quantities (skip costly derived computations otherwise).</summary>
    public bool IsGeneratingQuantities => _derivedOut is not null || _layout is null;

    internal bool IsDiscovering => _layout is null;

    // ------------------------------------------------------------------ parameters

    /// <summary>A scalar parameter with support <paramref name="constraint"/> (default: real) and no prior term.</summary>
    public Var Parameter(string name, Constraint? constraint = null) => Declare(name, Shape.Scalar, constraint ?? Constraint.Real);

    /// <summary>A vector parameter of <paramref name="length"/> elements.</summary>
    public Var Parameter(string name, int length, Constraint? constraint = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        return Declare(name, Shape.Vector(length), constraint ?? Constraint.Real);
    }

    /// <summary>A matrix parameter (row-major on the tape).</summary>
    public Var Parameter(string name, int rows, int columns, Constraint? constraint = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        return Declare(name, Shape.Matrix(rows, columns), constraint ?? Constraint.Real);
    }

    /// <summary>A scalar parameter with <paramref name="prior"/>, constrained to the prior's support.</summary>
    public Var Parameter(string name, IDistribution prior)
    {
        ArgumentNullException.ThrowIfNull(prior);
        var value = Declare(name, Shape.Scalar, prior.Support, prior: prior);
        Prior(prior.LogProb(value));
        return value;
    }

    /// <summary>A vector parameter of independent draws from <paramref name="prior"/>.</summary>
    public Var Parameter(string name, int length, IDistribution prior)
    {
        ArgumentNullException.ThrowIfNull(prior);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        var value = Declare(name, Shape.Vector(length), prior.Support, prior: prior);
        Prior(prior.LogProb(value));
        return value;
    }

    /// <summary>
    /// A scalar parameter with support <paramref name="constraint"/> and <paramref name="prior"/> as its prior (Stan's
    /// <c>real&lt;lower=0&gt; sigma; sigma ~ normal(0, 1);</c>). The prior is not renormalized to the constraint, as in Stan,
    /// and is −∞ where the constraint reaches outside the prior's support.
    /// </summary>
    public Var Parameter(string name, Constraint constraint, IDistribution prior)
    {
        ArgumentNullException.ThrowIfNull(prior);
        return WithPrior(Declare(name, Shape.Scalar, constraint, prior: prior), prior);
    }

    /// <summary>A vector parameter with support <paramref name="constraint"/> and independent draws from <paramref name="prior"/>.</summary>
    public Var Parameter(string name, int length, Constraint constraint, IDistribution prior)
    {
        ArgumentNullException.ThrowIfNull(prior);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        return WithPrior(Declare(name, Shape.Vector(length), constraint, prior: prior), prior);
    }

    /// <summary>
    /// A scalar parameter whose bounds may depend on other parameters or data (see <see cref="Bounds"/>), with an optional
    /// prior (not renormalized to the bounds, as in Stan). The log-Jacobian of the transform is added at every evaluation.
    /// </summary>
    public Var Parameter(string name, Bounds bounds, IDistribution? prior = null) => WithPrior(DeclareBounded(name, Shape.Scalar, bounds, prior), prior);

    /// <summary>A vector parameter whose bounds (scalars, or one per element) may depend on other parameters or data.</summary>
    public Var Parameter(string name, int length, Bounds bounds, IDistribution? prior = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        return WithPrior(DeclareBounded(name, Shape.Vector(length), bounds, prior), prior);
    }

    private Var WithPrior(Var value, IDistribution? prior)
    {
        if (prior is not null)
        {
            Prior(prior.LogProb(value));
        }

        return value;
    }

    private Var DeclareBounded(string name, Shape shape, Bounds bounds, IDistribution? prior)
    {
        bounds.CheckSize(shape.Length, name, nameof(bounds));
        // the constraint's description is wanted only for the layout: after discovery no string or object is made per evaluation
        return Declare(name, shape, _layout is null ? new DependentBoundsConstraint(bounds.ToString()) : EvaluatingBounds, bounds, prior);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Var Declare(string name, Shape shape, Constraint constraint, Bounds? bounds = null, IDistribution? prior = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(constraint);
        ParameterInfo info;
        if (_layout is null)
        {
            CheckNewName(name);
            int offset = _discovered.Count == 0 ? 0 : _discovered[^1].UnconstrainedOffset + _discovered[^1].UnconstrainedSize;
            info = new ParameterInfo(name, shape, constraint, offset);
            _discovered.Add(info);
            var zeros = new double[info.UnconstrainedSize];
            return Constrain(info, Tape.Constant(zeros), bounds);
        }

        if (_nextParameter >= _layout.Parameters.Count || _layout.Parameters[_nextParameter].Name != name)
        {
            throw new InvalidOperationException(
                $"The model declared parameter '{name}' where its layout has " +
                (_nextParameter < _layout.Parameters.Count ? $"'{_layout.Parameters[_nextParameter].Name}'" : "no more parameters") +
                ": a model must declare the same parameters in the same order at every evaluation.");
        }

        int index = _nextParameter++;
        info = _layout.Parameters[index];
        if (info.Shape != shape)
        {
            throw new InvalidOperationException($"Parameter '{name}' changed shape from {info.Shape} to {shape} between evaluations.");
        }

        if ((info.Constraint is DependentBoundsConstraint) != bounds.HasValue)
        {
            throw new InvalidOperationException($"Parameter '{name}' was declared with {(bounds.HasValue ? "bounds" : "a constraint")} where its layout has {info.Constraint}: a model must declare the same parameters at every evaluation.");
        }

        if (_samplePriors)
        {
            return Unconstrain(info, bounds, DrawFromPrior(info, bounds, prior));
        }

        if (_unconstrainFrom is not null)
        {
            return Unconstrain(info, bounds, ReadGiven(info));
        }

        var declared = info.Shape.Rank == 0 && bounds is null && !Tape.HasBatched
            ? ConstrainScalar(info)
            : Constrain(info, Ops.Slice(_position, info.UnconstrainedOffset, info.UnconstrainedSize), bounds);
        if (DeclaredIds is { } ids)
        {
            ids[index] = Tape.Check(declared);
        }

        return declared;
    }

    /// <summary>
    /// When set (one entry per parameter of the layout), each evaluation writes there the tape id of the value each
    /// parameter's declaration returned, so that a reader of the tape (<see cref="NonCenteredBijector"/>) can find the
    /// density terms whose argument is a parameter itself.
    /// </summary>
    internal int[]? DeclaredIds { get; set; }

    // a scalar parameter read as one element of the position: one node (and the bijector's own) where a slice of one
    // element, the bijector on its event and a reshape to a scalar recorded three or four; the same values
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Var ConstrainScalar(ParameterInfo info)
    {
        Var constrained;
        if (info.Bijector is IdentityBijector)
        {
            constrained = Ops.Element(_position, info.UnconstrainedOffset);
        }
        else if (info.Bijector is EventBijector { HasScalarForward: true } scalar)
        {
            constrained = scalar.ForwardScalar(Ops.Element(_position, info.UnconstrainedOffset), out var logJ);
            AddJacobian(logJ);
        }
        else
        {
            return Constrain(info, Ops.Slice(_position, info.UnconstrainedOffset, info.UnconstrainedSize), null);
        }

        if (_parametersOut is not null)
        {
            _parametersOut[_parameterCursor++] = constrained.Value[0];
        }

        return constrained;
    }

    private double[] ReadGiven(ParameterInfo info)
    {
        var rowMajor = new double[info.Size];
        ParameterInfo.FromOutputOrder(_unconstrainFrom.AsSpan(_parameterCursor, info.Size), info.Shape, rowMajor);
        _parameterCursor += info.Size;
        return rowMajor;
    }

    // prior predictive draws: the parameter's value comes from the prior it was declared with, redrawn (up to 1000 times)
    // until it lies in the parameter's support or bounds, which may be narrower than the prior's
    private double[] DrawFromPrior(ParameterInfo info, Bounds? bounds, IDistribution? prior)
    {
        if (prior is null)
        {
            throw new InvalidOperationException($"Parameter '{info.Name}' was declared without a prior: prior predictive draws need every parameter's prior in its Parameter(...) call.");
        }

        var values = new double[info.Size];
        var scratch = new double[info.UnconstrainedSize];
        for (int attempt = 0; attempt < 1000; attempt++)
        {
            prior.Sample(_rng!, values);
            if (bounds is { } b ? b.TryInverse(values, scratch) : info.Constraint.Contains(values))
            {
                return values;
            }
        }

        throw new InvalidOperationException($"1000 draws from the prior of '{info.Name}' all fell outside its support ({info.Constraint}).");
    }

    // CompiledModel.Unconstrain runs the body on given constrained values, so that bounds depending on earlier parameters
    // take those parameters' values: this parameter's values are read, inverted into the unconstrained vector, and returned.
    private Var Unconstrain(ParameterInfo info, Bounds? bounds, double[] rowMajor, string paramName = "constrainedParameters")
    {
        var u = _unconstrainTo.AsSpan(info.UnconstrainedOffset, info.UnconstrainedSize);
        bool inside = bounds is { } b ? b.TryInverse(rowMajor, u) : info.Constraint.Contains(rowMajor);
        if (!inside)
        {
            throw new ArgumentException($"The value of '{info.Name}' is outside its support ({info.Constraint}).", paramName);
        }

        if (bounds is null)
        {
            info.Bijector.Inverse(Tape.Constant(rowMajor), out _).Value.CopyTo(u);
        }

        var value = Tape.Constant(rowMajor);
        return info.Shape.Rank == 1 ? value : Ops.Reshape(value, info.Shape);
    }

    // Kept out of Declare and Derived: a lambda capturing their 'name' parameter would make the compiler
    // allocate its closure at every call, including every evaluation after discovery.
    private void CheckNewName(string name)
    {
        if (_discovered.Any(p => p.Name == name) || _discoveredDerived.Any(d => d.Name == name))
        {
            throw new ArgumentException($"The name '{name}' is declared twice.", nameof(name));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Var Constrain(ParameterInfo info, Var unconstrained, Bounds? bounds)
    {
        Var constrained;
        if (bounds is null && info.Bijector is IdentityBijector)
        {
            // an unconstrained parameter: log |J| = 0, so no Jacobian nodes (x + 0 is x: the same log-density)
            constrained = unconstrained;
        }
        else
        {
            constrained = bounds is { } b ? b.Forward(unconstrained, out var logJ) : info.Bijector.Forward(unconstrained, out logJ);
            AddJacobian(logJ);
        }

        if (_parametersOut is not null)
        {
            ParameterInfo.ToOutputOrder(constrained.Value, info.Shape, _parametersOut.AsSpan(_parameterCursor, info.Size));
            _parameterCursor += info.Size;
        }

        return info.Shape.Rank == 1 ? constrained : Ops.Reshape(constrained, info.Shape);
    }

    // ------------------------------------------------------------------ data

    /// <summary>
    /// Named observed data on this evaluation's tape, without a copy: <c>var y = m.Data("y", values)</c> in the body
    /// stands for <c>m.Tape.Constant(Tensor.FromVector(values))</c> without its cost at every evaluation. The data is
    /// checked once (every value finite, or an exception naming it) and recorded with the model
    /// (<see cref="CompiledModel.Data"/>: observed data for the writers and predictive checks).
    /// </summary>
    /// <exception cref="ArgumentException">A value is NaN or infinite, or the name is a parameter's.</exception>
    public Var Data(string name, double[] values) => Tape.Constant(DataTensor(name, values, static v => new Tensor(v, Shape.Vector(v.Length))));

    /// <summary>A named data matrix (copied once to row-major; see <see cref="Data(string, double[])"/>).</summary>
    public Var Data(string name, double[,] values) => Tape.Constant(DataTensor(name, values, Tensor.FromMatrix));

    /// <summary>Named integer data (counts, group indices) as float64 values (see <see cref="Data(string, double[])"/>).</summary>
    public Var Data(string name, int[] values) => Tape.Constant(DataTensor(name, values, static v => Tensor.FromVector(Array.ConvertAll(v, i => (double)i))));

    /// <summary>A named data tensor, not copied (see <see cref="Data(string, double[])"/>).</summary>
    public Var Data(string name, Tensor values) => Tape.Constant(DataTensor(name, values, static t => t));

    /// <summary>A named data scalar.</summary>
    public Var Data(string name, double value)
    {
        // compared by value, so that no box is allocated per evaluation
        if (_data.TryGetValue(name ?? string.Empty, out var entry) && entry.Source is null && entry.Tensor.Data[0].Equals(value))
        {
            return Tape.Constant(entry.Tensor);
        }

        return Tape.Constant(Register(name!, null, Tensor.FromScalar(value)));
    }

    private Tensor DataTensor<T>(string name, T values, Func<T, Tensor> wrap)
        where T : class
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(values);
        return _data.TryGetValue(name, out var entry) && ReferenceEquals(entry.Source, values) ? entry.Tensor : Register(name, values, wrap(values));
    }

    private Tensor Register(string name, object? source, Tensor tensor)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        DataCheck.Finite(tensor.Data, name, name);

        if (_layout is null && (_discovered.Any(p => p.Name == name) || _discoveredDerived.Any(d => d.Name == name)))
        {
            throw new ArgumentException($"The data name '{name}' is also a parameter or derived quantity.", nameof(name));
        }

        _data[name] = new DataEntry(source, tensor);
        return tensor;
    }

    /// <summary>The data the body named, by name (as last seen).</summary>
    internal IReadOnlyDictionary<string, Tensor> NamedData => _data.ToDictionary(e => e.Key, e => e.Value.Tensor, StringComparer.Ordinal);

    private readonly record struct DataEntry(object? Source, Tensor Tensor);

    // ------------------------------------------------------------------ predictive draws

    /// <summary>
    /// The random-number generator for predictive draws (Stan's generated quantities with _rng functions): not null only
    /// when <see cref="Diagnostics.Predictive"/> runs the body, so a body draws and records replicated data in
    /// <c>if (m.Rng is { } rng) { …; m.Predicted("y_rep", values); }</c> at no cost to log-density evaluations.
    /// </summary>
    public Randomness.Rng? Rng => _rng;

    /// <summary>Records a predictive draw (used only while <see cref="Rng"/> is not null); the same names and lengths at every draw.</summary>
    public void Predicted(string name, ReadOnlySpan<double> values)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _predicted?.Add((name, values.ToArray()));
    }

    /// <summary>Runs the body for one predictive draw: on given constrained parameter values, or (<paramref name="samplePriors"/>) on draws from the priors.</summary>
    internal void BeginPredictive(Randomness.Rng rng, List<(string, double[])> predicted, double[]? constrained, double[] unconstrainTo, bool samplePriors)
    {
        Begin(Tape.Constant(unconstrainTo), unconstrainFrom: constrained ?? [], unconstrainTo: unconstrainTo);
        _rng = rng;
        _predicted = predicted;
        _samplePriors = samplePriors;
    }

    // ------------------------------------------------------------------ density terms

    /// <summary>Adds the sum of <paramref name="logDensity"/> (elementwise prior log-densities) to the log-prior.</summary>
    public void Prior(Var logDensity) => _priorTerms.Add(SumAll(logDensity));

    /// <summary>
    /// Adds the sum of <paramref name="pointwiseLogLikelihood"/> to the log-likelihood; each element is one
    /// observation's term in the pointwise log-likelihood.
    /// </summary>
    public void Observe(Var pointwiseLogLikelihood)
    {
        if (_pointwise is not null)
        {
            foreach (double v in pointwiseLogLikelihood.Value)
            {
                _pointwise.Add(v);
            }
        }

        _likelihoodTerms.Add(SumAll(pointwiseLogLikelihood));
    }

    /// <summary>Observes <paramref name="data"/> under <paramref name="distribution"/> (fixed parameters).</summary>
    /// <exception cref="ArgumentException">A value of <paramref name="data"/> is NaN or infinite.</exception>
    public void Observe(IDistribution distribution, Tensor data)
    {
        ArgumentNullException.ThrowIfNull(distribution);
        ArgumentNullException.ThrowIfNull(data);
        DataCheck.Finite(data.Data, nameof(data), nameof(data));
        Observe(distribution.LogProb(Tape.Constant(data)));
    }

    /// <summary>An explicit log-density increment (Stan's <c>target +=</c>), counted with the prior.</summary>
    public void AddLogDensity(Var term) => _priorTerms.Add(SumAll(term));

    // ------------------------------------------------------------------ derived quantities

    /// <summary>Records a derived quantity (transformed parameter or generated quantity) with the draws.</summary>
    public void Derived(string name, Var value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var shape = value.Shape;
        if (_layout is null)
        {
            CheckNewName(name);
            _discoveredDerived.Add(new DerivedInfo(name, shape));
            return;
        }

        if (_derivedOut is null)
        {
            return;
        }

        if (_nextDerived >= _layout.Derived.Count || _layout.Derived[_nextDerived].Name != name || _layout.Derived[_nextDerived].Shape != shape)
        {
            throw new InvalidOperationException($"Derived quantity '{name}' {shape} does not match the model's layout.");
        }

        _nextDerived++;
        ParameterInfo.ToOutputOrder(value.Value, shape, _derivedOut.AsSpan(_derivedCursor, shape.Length));
        _derivedCursor += shape.Length;
    }

    /// <summary>Records a derived scalar computed outside the tape.</summary>
    public void Derived(string name, double value)
    {
        if (_layout is null || _derivedOut is not null)
        {
            Derived(name, Tape.Constant(value));
        }
    }

    // ------------------------------------------------------------------ driving (internal)

    internal ParameterLayout Discover(Action<ModelContext> body)
    {
        Tape.Reset();
        using (Tape.NoGrad())
        {
            BeginCore();
            body(this);
        }

        return new ParameterLayout(_discovered.ToArray(), _discoveredDerived.ToArray());
    }

    internal void Attach(ParameterLayout layout) => _layout = layout;

    /// <summary>
    /// Starts an evaluation at <paramref name="position"/>; the caller resets the tape first. With <paramref name="parametersOut"/>
    /// the constrained parameter values are written there (output order); with <paramref name="unconstrainFrom"/> the body runs
    /// on those constrained values instead and writes their unconstrained vector to <paramref name="unconstrainTo"/>.
    /// </summary>
    internal void Begin(Var position, List<double>? pointwise = null, double[]? derivedOut = null, double[]? parametersOut = null, double[]? unconstrainFrom = null, double[]? unconstrainTo = null)
    {
        _position = position;
        _pointwise = pointwise;
        _derivedOut = derivedOut;
        _parametersOut = parametersOut;
        _unconstrainFrom = unconstrainFrom;
        _unconstrainTo = unconstrainTo;
        BeginCore();
    }

    private void BeginCore()
    {
        _nextParameter = 0;
        _nextDerived = 0;
        _derivedCursor = 0;
        _parameterCursor = 0;
        _priorTerms.Clear();
        _likelihoodTerms.Clear();
        _jacobianTerms.Clear();
    }

    internal void End()
    {
        if (_layout is not null && _nextParameter != _layout.Parameters.Count)
        {
            throw new InvalidOperationException(
                $"The model declared {_nextParameter} of its {_layout.Parameters.Count} parameters: it must declare the same parameters at every evaluation.");
        }

        _pointwise = null;
        _derivedOut = null;
        _parametersOut = null;
        _unconstrainFrom = null;
        _unconstrainTo = null;
        _rng = null;
        _predicted = null;
        _samplePriors = false;
    }

    internal Var LogPriorTerm => Fold(_priorTerms);

    internal Var LogLikelihoodTerm => Fold(_likelihoodTerms);

    internal Var LogJacobianTerm => Fold(_jacobianTerms);

    /// <summary>
    /// The log-density (log-prior + log-likelihood) + log-Jacobian (left out for a model whose parameters are all
    /// unconstrained): one node over the terms, or for a batch of points (terms with a batch axis) the chain of add nodes
    /// the terms were once accumulated into; the same additions in the same order either way.
    /// </summary>
    internal Var LogDensityTotal()
    {
        if (!Tape.HasBatched && AllScalars(_priorTerms) && AllScalars(_likelihoodTerms) && AllScalars(_jacobianTerms))
        {
            return Ops.Total(Tape, CollectionsMarshal.AsSpan(_priorTerms), CollectionsMarshal.AsSpan(_likelihoodTerms), CollectionsMarshal.AsSpan(_jacobianTerms));
        }

        var lp = LogPriorTerm + LogLikelihoodTerm;
        return _jacobianTerms.Count > 0 ? lp + LogJacobianTerm : lp;
    }

    private void AddJacobian(Var logJ) => _jacobianTerms.Add(logJ);

    private static bool AllScalars(List<Var> terms)
    {
        foreach (var t in CollectionsMarshal.AsSpan(terms))
        {
            if (t.Shape.Rank != 0)
            {
                return false;
            }
        }

        return true;
    }

    private static Var SumAll(Var v) => v.Shape.Rank == 0 ? v : Ops.Sum(v);

    // t1 + t2 + … from the left, as add nodes; a constant 0 for none
    private Var Fold(List<Var> terms)
    {
        if (terms.Count == 0)
        {
            return Tape.Constant(0.0);
        }

        var total = terms[0];
        for (int i = 1; i < terms.Count; i++)
        {
            total += terms[i];
        }

        return total;
    }
}
