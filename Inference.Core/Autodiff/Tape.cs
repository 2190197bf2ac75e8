using System.Runtime.CompilerServices;

namespace Inference.Autodiff;

/// <summary>
/// A reverse-mode tape over float64 tensors. It owns its node records and an arena of value and
/// gradient buffers indexed by node slot: after <see cref="Reset"/>, replaying a computation with the
/// same shapes reuses every buffer and allocates nothing.
/// </summary>
/// <remarks>
/// A tape is not thread-safe: use one per thread or chain. Values of recorded nodes never change
/// after they are computed. A <see cref="Var"/> is valid until the next <see cref="Reset"/>.
/// </remarks>
public sealed class Tape
{
    private const int InitialCapacity = 64;

    private NodeRecord[] _nodes = new NodeRecord[InitialCapacity];
    private double[]?[] _arena = new double[InitialCapacity][];
    private double[][] _values = new double[InitialCapacity][];
    private double[]?[] _gradArena = new double[InitialCapacity][];
    private double[]?[] _grads = new double[InitialCapacity][];

    // Gradient buffers are zeroed lazily: a buffer whose epoch is not the current backward pass's holds stale
    // values and counts as zero. The first op to touch it either clears it (G) or overwrites it whole (GFresh);
    // a node no gradient reached is skipped in the backward pass.
    private int[] _gradEpoch = new int[InitialCapacity];
    private int _epoch = 1;
    private int[] _extra = new int[16];
    private readonly double[][] _scratch = [[], [], []];
    private readonly Dictionary<object, Var> _bindings = new(ReferenceEqualityComparer.Instance);
    private int _count;
    private int _extraCount;
    private int _noGradDepth;
    private bool _hasBatched;
    private bool _replayBlocked;
    private long _valueReads;
    private ReplayGuard[] _guards = new ReplayGuard[4];
    private int _guardCount;
    private int _inUse;
    private int _owner;

    /// <summary>
    /// Why a Var can belong to another tape, for error messages: a model body or log-density function runs on one tape
    /// per chain or thread, several at once.
    /// </summary>
    internal const string OtherTapeHint =
        "A model body or log-density function runs on one tape per chain or thread, several at once: create its Vars inside it on the tape it is given (m.Tape, or the input's tape), and do not keep Vars in fields or arrays shared between evaluations.";

    /// <summary>Number of nodes recorded since the last <see cref="Reset"/>.</summary>
    public int Count => _count;

    /// <summary>Incremented by every <see cref="Reset"/>; a <see cref="Var"/> from an older generation is stale.</summary>
    public int Generation { get; private set; }

    /// <summary>False inside a <see cref="NoGrad"/> scope: new nodes then record no gradient information.</summary>
    public bool IsRecording => _noGradDepth == 0;

    /// <summary>
    /// Starts one evaluation: claims the tape for the calling thread until the returned session is disposed, and
    /// resets it. Evaluators call it (<c>using var session = tape.Begin();</c>) so that a second thread evaluating on
    /// the same tape at the same time gets a clear error instead of corrupting both results; the claim costs one
    /// interlocked exchange.
    /// </summary>
    /// <exception cref="InvalidOperationException">Another evaluation holds the tape.</exception>
    public TapeSession Begin()
    {
        Acquire();
        Reset();
        return new TapeSession(this);
    }

    private void Acquire()
    {
        if (Interlocked.Exchange(ref _inUse, 1) != 0)
        {
            throw new InvalidOperationException(Volatile.Read(ref _owner) == Environment.CurrentManagedThreadId
                ? "The tape is already evaluating on this thread: an evaluator was called again from inside its own evaluation (from the model body or a callback). Use a second evaluator for the inner call."
                : "Two threads are evaluating on one tape at once: an evaluator (and its tape) is not thread-safe. Create one evaluator per thread or chain with density.CreateEvaluator().");
        }

        Volatile.Write(ref _owner, Environment.CurrentManagedThreadId);
    }

    internal void End() => Volatile.Write(ref _inUse, 0);

    /// <summary>Forgets all nodes; buffers are kept for reuse by the next computation.</summary>
    public void Reset()
    {
        _count = 0;
        _extraCount = 0;
        _hasBatched = false;
        _replayBlocked = false;
        _guardCount = 0;
        _bindings.Clear();
        Generation++;
    }

    /// <summary>
    /// Whether <see cref="Bind"/> makes variables (the default) or constants. Set it to false on a tape that only
    /// needs gradients with respect to its inputs (a sampler pulling a target back through a trained flow): the
    /// backward pass then skips every bound parameter's gradient.
    /// </summary>
    public bool BindsVariables { get; set; } = true;

    /// <summary>
    /// The leaf standing for <paramref name="owner"/>'s tensor on this tape since the last reset, created on first
    /// use (a variable while recording and <see cref="BindsVariables"/>, a constant otherwise). Trainable
    /// parameters use it, so one parameter object can serve tapes on several threads at once.
    /// </summary>
    public Var Bind(object owner, Tensor value)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(value);
        if (!_bindings.TryGetValue(owner, out var v))
        {
            v = IsRecording && BindsVariables ? Variable(value) : Constant(value);
            _bindings.Add(owner, v);
        }

        return v;
    }

    /// <summary>The leaf bound to <paramref name="owner"/> since the last reset, if any.</summary>
    public bool TryGetBinding(object owner, out Var value) => _bindings.TryGetValue(owner, out value);

    /// <summary>
    /// Starts a scope in which nothing requires gradients (forward-only evaluation).
    /// Dispose the returned value to end it: <c>using (tape.NoGrad()) { ... }</c>.
    /// </summary>
    public NoGradScope NoGrad()
    {
        _noGradDepth++;
        return new NoGradScope(this);
    }

    internal void EndNoGrad() => _noGradDepth--;

    // ---------------------------------------------------------------- leaves

    /// <summary>A leaf that requires gradients, with a copy of <paramref name="values"/>.</summary>
    public Var Variable(ReadOnlySpan<double> values, Shape shape) => CopyLeaf(values, shape, IsRecording, nameof(values));

    /// <summary>A vector leaf that requires gradients, with a copy of <paramref name="values"/>.</summary>
    public Var Variable(ReadOnlySpan<double> values) => CopyLeaf(values, Shape.Vector(values.Length), IsRecording, nameof(values));

    /// <summary>A scalar leaf that requires gradients.</summary>
    public Var Variable(double value) => CopyLeaf([value], Shape.Scalar, IsRecording, nameof(value));

    /// <summary>
    /// A leaf that requires gradients and reads <paramref name="tensor"/>'s array directly (no copy).
    /// The array must not change until the tape is reset.
    /// </summary>
    public Var Variable(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return ReferenceLeaf(tensor.Data, tensor.Shape, IsRecording);
    }

    /// <summary>A constant leaf (no gradient) with a copy of <paramref name="values"/>.</summary>
    public Var Constant(ReadOnlySpan<double> values, Shape shape) => CopyLeaf(values, shape, false, nameof(values));

    /// <summary>A constant vector leaf (no gradient) with a copy of <paramref name="values"/>.</summary>
    public Var Constant(ReadOnlySpan<double> values) => CopyLeaf(values, Shape.Vector(values.Length), false, nameof(values));

    /// <summary>A constant scalar.</summary>
    public Var Constant(double value) => CopyLeaf([value], Shape.Scalar, false, nameof(value));

    /// <summary>A constant leaf of zeros (a zero log-determinant of a volume-preserving layer, for example).</summary>
    public Var Zeros(Shape shape)
    {
        int id = Push(null, shape, -1, -1, -1, false);
        _values[id].AsSpan(0, shape.Length).Clear();
        return new Var(this, id);
    }

    /// <summary>
    /// A constant leaf that reads <paramref name="tensor"/>'s array directly (no copy): the cheap way to
    /// bring data matrices onto the tape. The array must not change until the tape is reset.
    /// </summary>
    public Var Constant(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return ReferenceLeaf(tensor.Data, tensor.Shape, false);
    }

    /// <summary>
    /// A batched leaf: <paramref name="rows"/> independent points of <paramref name="columns"/> coordinates, [rows, columns],
    /// whose leading axis every batch-aware op keeps apart (a compiled model evaluates a batch of draws in one pass this way).
    /// </summary>
    internal Var BatchedVariable(ReadOnlySpan<double> values, int rows, int columns)
    {
        var v = CopyLeaf(values, Shape.Matrix(rows, columns), IsRecording, nameof(values));
        _nodes[v.Id].Batched = true;
        _hasBatched = true;
        return v;
    }

    /// <summary>Whether a batched leaf was recorded since the last reset (ops translate their axes only then).</summary>
    internal bool HasBatched => _hasBatched;

    /// <summary>Whether node <paramref name="id"/> carries a leading batch axis.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool IsBatched(int id) => _hasBatched && _nodes[id].Batched;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Var CopyLeaf(ReadOnlySpan<double> values, Shape shape, bool requiresGrad, string paramName)
    {
        if (values.Length != shape.Length)
        {
            throw new ArgumentException($"{values.Length} values given for shape {shape} ({shape.Length} elements).", paramName);
        }

        int id = Push(null, shape, -1, -1, -1, requiresGrad);
        values.CopyTo(_values[id]);
        return new Var(this, id);
    }

    private Var ReferenceLeaf(double[] data, Shape shape, bool requiresGrad)
    {
        int id = PushNode(null, shape, -1, -1, -1, requiresGrad, allocateValue: false);
        if (!ReferenceEquals(_values[id], data))
        {
            _values[id] = data;
        }

        return new Var(this, id);
    }

    // ---------------------------------------------------------------- access

    /// <summary>The value of <paramref name="v"/>.</summary>
    public ReadOnlySpan<double> Value(Var v)
    {
        int id = Check(v);
        // code that reads a value while recording may choose what to record by it: such a tape is not replayed
        _valueReads++;
        return _values[id];
    }

    /// <summary>The shape of <paramref name="v"/>.</summary>
    public Shape ShapeOf(Var v) => _nodes[Check(v)].Shape;

    /// <summary>Whether gradients flow to <paramref name="v"/>.</summary>
    public bool RequiresGrad(Var v) => _nodes[Check(v)].RequiresGrad;

    /// <summary>The gradient of the last <see cref="Backward(Var)"/> output with respect to <paramref name="v"/>.</summary>
    /// <exception cref="InvalidOperationException"><paramref name="v"/> does not require gradients.</exception>
    public ReadOnlySpan<double> Grad(Var v)
    {
        int id = Check(v);
        if (_grads[id] is null)
        {
            throw new InvalidOperationException(
                "This value does not require gradients (it is a constant, was made inside NoGrad, or depends on no variable).");
        }

        return G(id);
    }

    // ---------------------------------------------------------------- backward

    /// <summary>Back-propagates from the scalar <paramref name="output"/> (seed 1).</summary>
    /// <exception cref="ArgumentException"><paramref name="output"/> is not a single element.</exception>
    public void Backward(Var output)
    {
        int id = Check(output);
        if (_nodes[id].Shape.Length != 1)
        {
            throw new ArgumentException($"Backward without a seed needs a single-element output; got shape {_nodes[id].Shape}.", nameof(output));
        }

        BackwardCore(id, [1.0]);
    }

    /// <summary>Back-propagates from <paramref name="output"/> with the cotangent <paramref name="seed"/> (a vector-Jacobian product).</summary>
    public void Backward(Var output, ReadOnlySpan<double> seed)
    {
        int id = Check(output);
        if (seed.Length != _nodes[id].Shape.Length)
        {
            throw new ArgumentException($"Seed has {seed.Length} elements; the output has shape {_nodes[id].Shape}.", nameof(seed));
        }

        BackwardCore(id, seed);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void BackwardCore(int outputId, ReadOnlySpan<double> seed)
    {
        if (!IsRecording)
        {
            throw new InvalidOperationException("Backward cannot run inside a NoGrad scope.");
        }

        _epoch++;
        if (!_nodes[outputId].RequiresGrad)
        {
            return;
        }

        seed.CopyTo(_grads[outputId]);
        _gradEpoch[outputId] = _epoch;
        for (int i = outputId; i >= 0; i--)
        {
            ref readonly NodeRecord node = ref _nodes[i];
            if (node.RequiresGrad && node.Op is not null && _gradEpoch[i] == _epoch)
            {
                node.Op.Backward(this, i, in node);
            }
        }
    }

    // ---------------------------------------------------------------- recording (for ops)

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int Check(Var v)
    {
        if (ReferenceEquals(v.Tape, this) && v.Generation == Generation)
        {
            return v.Id;
        }

        return CheckFailed(v);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int CheckFailed(Var v)
    {
        if (!ReferenceEquals(v.Tape, this))
        {
            throw new ArgumentException(v.Tape is null
                ? "The Var is default (not created by a tape)."
                : "The Var belongs to another tape. " + OtherTapeHint, nameof(v));
        }

        if (v.Generation != Generation)
        {
            throw new ArgumentException("The Var is stale: its tape was reset after it was created. It was kept from an earlier evaluation (a Var stored outside the model body or function), or the tape is used by two threads at once.", nameof(v));
        }

        return v.Id;
    }

    /// <summary>Records a node whose value buffer the op fills; gradient is required when any input requires it.</summary>
    internal int Push(TapeOp? op, Shape shape, int in0, int in1 = -1, int in2 = -1)
    {
        bool rg = IsRecording && ((in0 >= 0 && _nodes[in0].RequiresGrad) || (in1 >= 0 && _nodes[in1].RequiresGrad) || (in2 >= 0 && _nodes[in2].RequiresGrad));
        return PushNode(op, shape, in0, in1, in2, rg, allocateValue: true);
    }

    internal int Push(TapeOp? op, Shape shape, int in0, int in1, int in2, bool requiresGrad) =>
        PushNode(op, shape, in0, in1, in2, requiresGrad && IsRecording, allocateValue: true);

    /// <summary>Records a node whose value is the input's buffer (reshape): no copy.</summary>
    internal int PushAlias(TapeOp op, Shape shape, int input)
    {
        int id = PushNode(op, shape, input, -1, -1, IsRecording && _nodes[input].RequiresGrad, allocateValue: false);
        var value = _values[input];
        if (!ReferenceEquals(_values[id], value))
        {
            _values[id] = value;
        }

        return id;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int PushNode(TapeOp? op, Shape shape, int in0, int in1, int in2, bool requiresGrad, bool allocateValue)
    {
        bool batched = _hasBatched && IsBatchedInput(op, in0, in1, in2);
        if (op is not null && !op.Replays)
        {
            _replayBlocked = true;
        }

        if (_count == _nodes.Length)
        {
            Grow();
        }

        int id = _count++;
        ref NodeRecord n = ref _nodes[id];
        // a replayed computation records the same op and buffers in the same slot: reference fields are compared before
        // they are stored, so that the steady state pays no GC write barrier per node
        if (!ReferenceEquals(n.Op, op))
        {
            n.Op = op;
        }

        if (n.Aux is not null)
        {
            n.Aux = null;
        }

        n.Batched = batched;
        n.Shape = shape;
        n.In0 = in0;
        n.In1 = in1;
        n.In2 = in2;
        n.S0 = n.S1 = n.S2 = n.S3 = 0;
        n.I0 = n.I1 = n.I2 = 0;
        n.RequiresGrad = requiresGrad;
        int length = shape.Length;
        if (allocateValue)
        {
            var value = Slot(_arena, id, length);
            if (!ReferenceEquals(_values[id], value))
            {
                _values[id] = value;
            }
        }

        var grad = requiresGrad ? Slot(_gradArena, id, length) : null;
        if (!ReferenceEquals(_grads[id], grad))
        {
            _grads[id] = grad;
        }

        _gradEpoch[id] = 0;
        return id;
    }

    private bool IsBatchedInput(TapeOp? op, int in0, int in1, int in2)
    {
        bool batched = (in0 >= 0 && _nodes[in0].Batched) || (in1 >= 0 && _nodes[in1].Batched) || (in2 >= 0 && _nodes[in2].Batched);
        if (batched && op is not IBatchAware)
        {
            throw new BatchNotSupportedException($"{OpName(op)} cannot take a batch of points in one pass.");
        }

        return batched;
    }

    internal static string OpName(TapeOp? op)
    {
        string name = op?.GetType().Name ?? "a leaf";
        return name.EndsWith("Op", StringComparison.Ordinal) ? name[..^2] : name;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double[] Slot(double[]?[] arena, int id, int length)
    {
        double[]? buffer = arena[id];
        if (buffer is null || buffer.Length != length)
        {
            buffer = GC.AllocateUninitializedArray<double>(length);
            arena[id] = buffer;
        }

        return buffer;
    }

    private void Grow()
    {
        int n = _nodes.Length * 2;
        Array.Resize(ref _nodes, n);
        Array.Resize(ref _arena, n);
        Array.Resize(ref _values, n);
        Array.Resize(ref _gradArena, n);
        Array.Resize(ref _grads, n);
        Array.Resize(ref _gradEpoch, n);
    }

    // ---------------------------------------------------------------- replay

    /// <summary>
    /// Whether the nodes recorded since the last reset can be replayed (<see cref="Replay"/>): every op replays, no batch
    /// axis, and nothing chose what to record from a value in a way a replay cannot check (<see cref="BlockReplay"/>).
    /// Callers also compare <see cref="ValueReads"/> before and after the recording code ran.
    /// </summary>
    internal bool CanReplay => !_replayBlocked && !_hasBatched && IsRecording;

    /// <summary>How many times a value was read through the public accessors (<see cref="Value"/>, <see cref="Var.Value"/>).</summary>
    internal long ValueReads => _valueReads;

    /// <summary>Marks the tape as not replayable: what was recorded depended on values (a mask built from them, say).</summary>
    internal void BlockReplay() => _replayBlocked = true;

    /// <summary>
    /// Records that what was recorded holds only while every value of node <paramref name="id"/> lies in
    /// <paramref name="domain"/> (a support check that added no node because all were inside): <see cref="Replay"/>
    /// checks it and reports failure, so that the caller records afresh.
    /// </summary>
    internal void AddGuard(int id, Distributions.Domain domain)
    {
        if (_guardCount == _guards.Length)
        {
            Array.Resize(ref _guards, _guards.Length * 2);
        }

        _guards[_guardCount++] = new ReplayGuard(id, domain);
    }

    /// <summary>
    /// Claims the tape as <see cref="Begin"/> does, without the reset (to replay what it holds, or to keep it while its
    /// owner evaluates on another tape): dispose the session when done.
    /// </summary>
    internal TapeSession Claim()
    {
        Acquire();
        return new TapeSession(this);
    }

    /// <summary>
    /// Recomputes the first <paramref name="count"/> nodes from the current values of the leaves (write new inputs into a
    /// leaf's buffer, <see cref="V"/>, first): the recorded ops in order, the same arithmetic as recording them. False when
    /// a guard (<see cref="AddGuard"/>) fails: the recording would have differed, so the caller must record afresh.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal bool Replay(int count)
    {
        var nodes = _nodes;
        for (int i = 0; i < count; i++)
        {
            ref NodeRecord node = ref nodes[i];
            if (node.Op is { } op)
            {
                op.Replay(this, i, ref node);
            }
        }

        for (int k = 0; k < _guardCount; k++)
        {
            ref readonly ReplayGuard guard = ref _guards[k];
            foreach (double v in _values[guard.Id])
            {
                if (!guard.Domain.Contains(v))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>Back-propagates from the single-element node <paramref name="id"/> (seed 1), as <see cref="Backward(Var)"/>.</summary>
    internal void BackwardFrom(int id) => BackwardCore(id, [1.0]);

    /// <summary>The gradient of node <paramref name="id"/> after a backward pass (zeros when none reached it).</summary>
    internal ReadOnlySpan<double> GradOf(int id) => G(id);

    private readonly record struct ReplayGuard(int Id, Distributions.Domain Domain);

    internal ref NodeRecord Node(int id) => ref _nodes[id];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal double[] V(int id) => _values[id];

    /// <summary>Whether node <paramref name="id"/> has a gradient buffer (without touching it).</summary>
    internal bool NeedsGrad(int id) => id >= 0 && _grads[id] is not null;

    /// <summary>
    /// The gradient buffer of node <paramref name="id"/> to add into (zeroed on first use in this backward pass),
    /// or null when it needs none.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal double[]? G(int id)
    {
        if (id < 0)
        {
            return null;
        }

        var g = _grads[id];
        if (g is not null && _gradEpoch[id] != _epoch)
        {
            Array.Clear(g);
            _gradEpoch[id] = _epoch;
        }

        return g;
    }

    /// <summary>
    /// The gradient buffer of node <paramref name="id"/> and whether nothing has been added to it yet in this
    /// backward pass. When <paramref name="fresh"/> is true the caller must overwrite every entry (instead of
    /// adding), which saves clearing it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal double[]? GFresh(int id, out bool fresh)
    {
        fresh = false;
        if (id < 0)
        {
            return null;
        }

        var g = _grads[id];
        if (g is not null && _gradEpoch[id] != _epoch)
        {
            fresh = true;
            _gradEpoch[id] = _epoch;
        }

        return g;
    }

    internal Var Wrap(int id) => new(this, id);

    /// <summary>A tape-owned scratch span (three independent slots) for forward or backward work.</summary>
    internal Span<double> Scratch(int slot, int length)
    {
        if (_scratch[slot].Length < length)
        {
            _scratch[slot] = GC.AllocateUninitializedArray<double>(Math.Max(length, _scratch[slot].Length * 2));
        }

        return _scratch[slot].AsSpan(0, length);
    }

    /// <summary>Stores a variable-length list of input ids; returns its start in the extra-input store.</summary>
    internal int PushInputs(ReadOnlySpan<Var> inputs)
    {
        if (_extraCount + inputs.Length > _extra.Length)
        {
            Array.Resize(ref _extra, Math.Max(_extra.Length * 2, _extraCount + inputs.Length));
        }

        int start = _extraCount;
        for (int i = 0; i < inputs.Length; i++)
        {
            int id = Check(inputs[i]);
            if (IsBatched(id))
            {
                throw new BatchNotSupportedException("An op over a list of inputs (Concat, Stack, a custom op) cannot take a batch of points in one pass.");
            }

            _extra[start + i] = id;
        }

        _extraCount += inputs.Length;
        return start;
    }

    internal ReadOnlySpan<int> Inputs(int start, int count) => _extra.AsSpan(start, count);

    internal bool AnyRequiresGrad(ReadOnlySpan<int> ids)
    {
        if (!IsRecording)
        {
            return false;
        }

        foreach (int id in ids)
        {
            if (_nodes[id].RequiresGrad)
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>One evaluation's claim on a tape (see <see cref="Tape.Begin"/>); dispose it when the evaluation ends.</summary>
public readonly struct TapeSession : IDisposable
{
    private readonly Tape? _tape;

    internal TapeSession(Tape tape) => _tape = tape;

    /// <summary>Releases the tape.</summary>
    public void Dispose() => _tape?.End();
}

/// <summary>Ends a <see cref="Tape.NoGrad"/> scope when disposed.</summary>
public readonly struct NoGradScope : IDisposable
{
    private readonly Tape? _tape;

    internal NoGradScope(Tape tape) => _tape = tape;

    /// <summary>Ends the scope.</summary>
    public void Dispose() => _tape?.EndNoGrad();
}
