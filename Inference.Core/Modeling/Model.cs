using System.Runtime.CompilerServices;
using Inference.Autodiff;
using Inference.Densities;

namespace Inference.Modeling;

/// <summary>
/// A probabilistic model: a body that declares parameters, priors, observations and derived quantities
/// on a <see cref="ModelContext"/>. <see cref="Compile"/> turns it into a log-density on the unconstrained space.
/// </summary>
/// <remarks>
/// The body runs at every evaluation. Create distribution objects and data tensors once, outside the
/// body (as below), and evaluation allocates nothing after the first call; or use the static
/// <c>LogProb</c> methods, which never allocate.
/// </remarks>
/// <example>
/// <code>
/// var muPrior = new Normal(0, 5);
/// var tauPrior = new HalfCauchy(5);
/// var standard = new Normal(0, 1);
/// var model = Model.Create("eight_schools", m =>
/// {
///     var mu = m.Parameter("mu", muPrior);
///     var tau = m.Parameter("tau", tauPrior);
///     var z = m.Parameter("theta_trans", 8, standard);
///     var theta = mu + (tau * z);
///     m.Observe(Normal.LogProb(m.Tape.Constant(y), theta, m.Tape.Constant(sigma)));
///     m.Derived("theta", theta);
/// });
/// </code>
/// </example>
public sealed class Model
{
    private CompiledModel? _compiled;

    private Model(string name, Action<ModelContext> body)
    {
        Name = name;
        Body = body;
    }

    /// <summary>The model's name.</summary>
    public string Name { get; }

    internal Action<ModelContext> Body { get; }

    /// <summary>Creates a model from its body.</summary>
    public static Model Create(string name, Action<ModelContext> body)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(body);
        return new Model(name, body);
    }

    /// <summary>Runs the body once to discover the parameter layout and returns the compiled log-density.</summary>
    /// <exception cref="ArgumentException">The body declares a name twice.</exception>
    /// <exception cref="InvalidOperationException">The body declares no parameter.</exception>
    /// <remarks>The compiled model is kept: later calls return the same one.</remarks>
    public CompiledModel Compile()
    {
        var compiled = Volatile.Read(ref _compiled);
        if (compiled is not null)
        {
            return compiled;
        }

        var context = new ModelContext(new Tape());
        var layout = context.Discover(Body);
        if (layout.Dimension == 0)
        {
            throw new InvalidOperationException($"Model '{Name}' declares no parameters.");
        }

        compiled = new CompiledModel(this, layout, context.NamedData);
        return Interlocked.CompareExchange(ref _compiled, compiled, null) ?? compiled;
    }
}

/// <summary>The parts of a model's log-density at one point (the unconstrained-space log-density is their sum).</summary>
/// <param name="LogPrior">Prior terms and explicit increments.</param>
/// <param name="LogLikelihood">Observation terms.</param>
/// <param name="LogJacobian">log|J| of the constraint transforms.</param>
public readonly record struct LogDensityParts(double LogPrior, double LogLikelihood, double LogJacobian)
{
    /// <summary>The log-density on the unconstrained space.</summary>
    public double Total => LogPrior + LogLikelihood + LogJacobian;
}

/// <summary>
/// A model compiled to a log-density on the unconstrained space (prior + likelihood + log|J| of the
/// constraint transforms), with its <see cref="ParameterLayout"/> for constraining draws.
/// </summary>
public sealed class CompiledModel : IConstrainedDensity
{
    internal CompiledModel(Model model, ParameterLayout layout, IReadOnlyDictionary<string, Tensor> data)
    {
        Model = model;
        Layout = layout;
        Data = data;
        ReplayStop = new ReplayStop($"Model '{model.Name}': gradients run the body");
    }

    /// <summary>The observed data the body named with <see cref="ModelContext.Data(string, double[])"/>, by name.</summary>
    public IReadOnlyDictionary<string, Tensor> Data { get; }

    /// <summary>The source model.</summary>
    public Model Model { get; }

    private string? _batchFallback;

    /// <summary>
    /// Null while batches of points (<see cref="ILogDensityEvaluator.LogDensityAndGradientBatch"/>, as VI and batched
    /// proposals call it) are evaluated in one tape pass with a leading batch axis; otherwise why the body could not be
    /// batched and batches run one point at a time (an op without a batched form, a check that disagreed with the
    /// point-by-point values). Set once, by the first batch evaluated.
    /// </summary>
    public string? BatchFallbackReason => Volatile.Read(ref _batchFallback);

    /// <summary>True once a batch has been evaluated in one pass and checked against the point-by-point values.</summary>
    public bool IsBatchVerified => Volatile.Read(ref _batchVerified);

    private bool _batchVerified;

    internal void MarkBatchVerified() => Volatile.Write(ref _batchVerified, true);

    // the first reason wins, and is said once (on the error stream, and in every VI fit's warnings)
    internal void FallBackToRows(string reason)
    {
        if (Interlocked.CompareExchange(ref _batchFallback, reason, null) is null)
        {
            Console.Error.WriteLine($"Model '{Model.Name}': batches of points are evaluated one point at a time: {reason}");
        }
    }

    /// <summary>The parameter layout.</summary>
    public ParameterLayout Layout { get; }

    /// <summary>
    /// Whether gradient evaluations replay the body's recorded graph (the default): when the body recorded only ops
    /// that can be replayed and read no value to choose what to record, its graph is kept and re-run at each new
    /// position without running the body, the same arithmetic and the same bits; the first replays of every evaluator
    /// are compared with running the body. Set it to false before creating evaluators for a body whose operations
    /// depend on state outside the model that changes between evaluations (a field read by the body, say), or whose side
    /// effects must happen at every evaluation (counting evaluations, logging).
    /// </summary>
    public bool ReplaysRecordedGraph { get; set; } = true;

    // shared by the model's evaluators: once one's replay disagrees with running the body, every one records from then on
    internal ReplayStop ReplayStop { get; }

    /// <summary>Null unless a replay of the recorded graph disagreed with running the body; then why (replays stopped).</summary>
    public string? ReplayFallbackReason => ReplayStop.Reason;

    /// <inheritdoc/>
    public int Dimension => Layout.Dimension;

    /// <inheritdoc/>
    public IReadOnlyList<string> CoordinateNames => Layout.UnconstrainedNames;

    /// <inheritdoc/>
    public ILogDensityEvaluator CreateEvaluator() => CreateModelEvaluator();

    /// <inheritdoc/>
    public IReadOnlyList<string> ConstrainedNames => Layout.ConstrainedNames;

    /// <inheritdoc/>
    public IDrawConstrainer CreateConstrainer() => CreateModelEvaluator();

    /// <summary>A new evaluator with the model-specific operations (constrain, parts, pointwise log-likelihood).</summary>
    public ModelEvaluator CreateModelEvaluator() => new(this);

    /// <summary>Constrained parameter values (output order, see <see cref="ParameterLayout.ParameterNames"/>) → unconstrained vector.</summary>
    /// <remarks>The model's body runs on these values, so that bounds depending on other parameters take their values.</remarks>
    /// <exception cref="ArgumentException">The count is wrong, or a value is outside its parameter's support.</exception>
    public double[] Unconstrain(ReadOnlySpan<double> constrainedParameters)
    {
        int total = Layout.Parameters.Sum(p => p.Size);
        if (constrainedParameters.Length != total)
        {
            throw new ArgumentException($"Expected {total} constrained parameter values; got {constrainedParameters.Length}.", nameof(constrainedParameters));
        }

        var result = new double[Dimension];
        var tape = new Tape();
        var context = new ModelContext(tape);
        context.Attach(Layout);
        using var scope = tape.NoGrad();
        context.Begin(tape.Constant(result), unconstrainFrom: constrainedParameters.ToArray(), unconstrainTo: result);
        Model.Body(context);
        context.End();
        return result;
    }
}

/// <summary>Evaluates a <see cref="CompiledModel"/>. Not thread-safe: one per thread or chain.</summary>
public sealed class ModelEvaluator : ILogDensityEvaluator, IDrawConstrainer, IGradientRecorder
{
    private readonly CompiledModel _model;
    private readonly Tape _tape = new();
    private readonly ModelContext _context;

    // Gradients run on their own tape, so that constraining a draw (or any other evaluation) between two gradients keeps
    // the recorded graph for replays (GraphReplay).
    private readonly Tape _gradTape = new();
    private readonly ModelContext _gradContext;
    private readonly GraphReplay _replay;

    internal ModelEvaluator(CompiledModel model)
    {
        _model = model;
        _context = new ModelContext(_tape);
        _context.Attach(model.Layout);
        _gradContext = new ModelContext(_gradTape);
        _gradContext.Attach(model.Layout);
        _replay = new GraphReplay(_gradTape, model.Dimension, model.ReplaysRecordedGraph, model.ReplayStop);
    }

    /// <summary>Whether the last gradient came from a replay of the recorded graph rather than from running the body.</summary>
    internal bool LastGradientReplayed => _replay.LastReplayed;

    /// <inheritdoc/>
    public int Dimension => _model.Dimension;

    /// <inheritdoc/>
    public double LogDensity(ReadOnlySpan<double> x)
    {
        CheckLength(x.Length, nameof(x));
        using var session = BeginOther();
        using var scope = _tape.NoGrad();
        return Run(_context, _tape.Constant(x)).Item;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double LogDensityAndGradient(ReadOnlySpan<double> x, Span<double> gradient)
    {
        CheckLength(x.Length, nameof(x));
        CheckLength(gradient.Length, nameof(gradient));
        return _replay.Evaluate(this, x, gradient);
    }

    // runs the body on the gradient tape; the graph is kept for replays when it can be replayed
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    double IGradientRecorder.Record(ReadOnlySpan<double> x, Span<double> gradient)
    {
        using var session = _gradTape.Begin();
        _replay.BeginRecording();
        var position = _gradTape.Variable(x);
        var lp = Run(_gradContext, position);
        _replay.EndRecording(position, lp, allowed: _gradContext.DeclaredIds is null);
        _gradTape.Backward(lp);
        if (lp.RequiresGrad)
        {
            position.Grad.CopyTo(gradient);
        }
        else
        {
            gradient.Clear();
        }

        return lp.Item;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// The batch is evaluated in one tape pass: the position is [n, d], each parameter carries a leading batch axis, and
    /// the ops broadcast over it, so that a regression's n matrix-vector products become one matrix product. The first
    /// batch is also evaluated point by point and compared; a body that cannot be batched (an op without a batched
    /// form) or whose batched values disagree falls back to points, and <see cref="CompiledModel.BatchFallbackReason"/>
    /// says why.
    /// </remarks>
    public void LogDensityAndGradientBatch(ReadOnlySpan<double> points, Span<double> values, Span<double> gradients)
    {
        int n = Densities.LogDensity.BatchRows(_model.Dimension, points, values, gradients);
        if (n <= 1 || _model.BatchFallbackReason is not null)
        {
            Densities.LogDensity.BatchByRows(this, points, values, gradients);
            return;
        }

        if (!_model.IsBatchVerified)
        {
            Verify(points, values, gradients, n);
            return;
        }

        try
        {
            Batched(points, values, gradients, n);
        }
        catch (BatchNotSupportedException)
        {
            // a branch the checked batch did not take (a value outside a support, say): this batch by points
            Densities.LogDensity.BatchByRows(this, points, values, gradients);
        }
    }

    // the first batch: in one pass, then point by point; the points' results are returned either way
    private void Verify(ReadOnlySpan<double> points, Span<double> values, Span<double> gradients, int n)
    {
        var batchValues = new double[n];
        var batchGradients = new double[gradients.Length];
        string? failure = null;
        try
        {
            Batched(points, batchValues, batchGradients, n);
        }
        catch (Exception e) when (e is BatchNotSupportedException or ArgumentException or InvalidOperationException)
        {
            failure = e.Message;
        }

        Densities.LogDensity.BatchByRows(this, points, values, gradients);
        if (failure is null)
        {
            failure = Disagreement(values, batchValues, "value") ?? Disagreement(gradients, batchGradients, "gradient");
        }

        if (failure is null)
        {
            // the batch's own results, as every later batch gives them: the same however a batch is split or who checked
            _model.MarkBatchVerified();
            batchValues.CopyTo(values);
            batchGradients.CopyTo(gradients);
        }
        else
        {
            _model.FallBackToRows(failure);
        }
    }

    private static string? Disagreement(ReadOnlySpan<double> rows, ReadOnlySpan<double> batched, string what)
    {
        for (int i = 0; i < rows.Length; i++)
        {
            double r = rows[i], b = batched[i];
            bool same = r.Equals(b) || Math.Abs(r - b) <= 1e-8 * Math.Max(1, Math.Max(Math.Abs(r), Math.Abs(b)));
            if (!same)
            {
                return FormattableString.Invariant($"the batched {what} ({b}) disagreed with the point-by-point one ({r}) at entry {i}.");
            }
        }

        return null;
    }

    private void Batched(ReadOnlySpan<double> points, Span<double> values, Span<double> gradients, int n)
    {
        int d = _model.Dimension;
        using var session = BeginOther();
        var position = _tape.BatchedVariable(points, n, d);
        var lp = Run(_context, position);
        int li = _tape.Check(lp);
        if (lp.Shape != Shape.Vector(n) || !_tape.IsBatched(li))
        {
            // a body that ignores its parameters gives a constant: every point has that value
            if (lp.Shape.Length != 1)
            {
                throw new BatchNotSupportedException($"The batched log-density has shape {lp.Shape}, not [{n}].");
            }

            values.Fill(lp.Item);
            _tape.Backward(Ops.Sum(lp));
        }
        else
        {
            lp.Value.CopyTo(values);
            if (_ones.Length != n)
            {
                _ones = new double[n];
                _ones.AsSpan().Fill(1);
            }

            _tape.Backward(lp, _ones);
        }

        if (position.RequiresGrad && _tape.NeedsGrad(_tape.Check(position)) && lp.RequiresGrad)
        {
            position.Grad.CopyTo(gradients);
        }
        else
        {
            gradients.Clear();
        }
    }

    private double[] _ones = [];

    // Constrain's buffers, reused from draw to draw
    private double[] _constrainParameters = [];
    private double[] _constrainDerived = [];

    /// <summary>The log-prior, log-likelihood and log-Jacobian at <paramref name="x"/>.</summary>
    public LogDensityParts Parts(ReadOnlySpan<double> x)
    {
        CheckLength(x.Length, nameof(x));
        using var session = BeginOther();
        using var scope = _tape.NoGrad();
        _context.Begin(_tape.Constant(x));
        _model.Model.Body(_context);
        _context.End();
        return new LogDensityParts(_context.LogPriorTerm.Item, _context.LogLikelihoodTerm.Item, _context.LogJacobianTerm.Item);
    }

    /// <summary>Each observation's log-likelihood term at <paramref name="x"/>, in the order observed.</summary>
    public double[] PointwiseLogLikelihood(ReadOnlySpan<double> x)
    {
        CheckLength(x.Length, nameof(x));
        var pointwise = new List<double>();
        using var session = BeginOther();
        using var scope = _tape.NoGrad();
        _context.Begin(_tape.Constant(x), pointwise: pointwise);
        _model.Model.Body(_context);
        _context.End();
        return pointwise.ToArray();
    }

    /// <summary>
    /// Writes the constrained parameter values and then the derived quantities at <paramref name="x"/> to
    /// <paramref name="destination"/> (columns as in <see cref="ParameterLayout.ConstrainedNames"/>).
    /// </summary>
    public void Constrain(ReadOnlySpan<double> x, Span<double> destination)
    {
        CheckLength(x.Length, nameof(x));
        var layout = _model.Layout;
        if (destination.Length != layout.ConstrainedNames.Count)
        {
            throw new ArgumentException($"destination has {destination.Length} entries; the model has {layout.ConstrainedNames.Count} constrained values.", nameof(destination));
        }

        using var session = BeginOther();
        using var scope = _tape.NoGrad();
        // the body computes the parameters' constrained values (bounds may depend on other parameters) and the derived ones
        if (_constrainParameters.Length != layout.ParameterNames.Count || _constrainDerived.Length != layout.DerivedNames.Count)
        {
            _constrainParameters = new double[layout.ParameterNames.Count];
            _constrainDerived = new double[layout.DerivedNames.Count];
        }

        var parameters = _constrainParameters;
        var derived = _constrainDerived;
        _context.Begin(_tape.Constant(x), derivedOut: derived, parametersOut: parameters);
        _model.Model.Body(_context);
        _context.End();
        parameters.CopyTo(destination);
        derived.CopyTo(destination[parameters.Length..]);
    }

    // an evaluation on the tape of everything but gradients; the gradient tape is claimed too, so that one evaluator is one
    // evaluation at a time whichever tape it runs on (a second thread or a re-entrant call gets the tape's clear error)
    private OtherSession BeginOther()
    {
        var claim = _gradTape.Claim();
        try
        {
            return new OtherSession(claim, _tape.Begin());
        }
        catch
        {
            claim.Dispose();
            throw;
        }
    }

    private readonly struct OtherSession(TapeSession claim, TapeSession session) : IDisposable
    {
        public void Dispose()
        {
            session.Dispose();
            claim.Dispose();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Var Run(ModelContext context, Var position)
    {
        context.Begin(position);
        _model.Model.Body(context);
        context.End();
        return context.LogDensityTotal();
    }

    private void CheckLength(int length, string name)
    {
        if (length != _model.Dimension)
        {
            throw new ArgumentException($"{name} has {length} elements; the model's dimension is {_model.Dimension}.", name);
        }
    }
}
