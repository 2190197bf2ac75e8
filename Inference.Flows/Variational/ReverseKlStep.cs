using System.Runtime.ExceptionServices;
using Inference.Autodiff;
using Inference.Densities;

namespace Inference.Flows.Variational;

/// <summary>
/// One reverse-KL gradient step's forward and backward passes, data-parallel over two fixed halves of the batch:
/// each half has its own tape, target evaluator and sticking-the-landing helper; a worker thread does the second
/// half while the caller does the first, and the halves' parameter gradients are added in a fixed order. The
/// split is the same with one thread or two, so the results do not depend on the thread count.
/// </summary>
internal sealed class ReverseKlStep : IDisposable
{
    private readonly FlowDistribution _flow;
    private readonly Half[] _halves;
    private readonly Thread? _worker;
    private readonly SemaphoreSlim _go = new(0);
    private readonly SemaphoreSlim _done = new(0);
    private volatile bool _stopping;
    private ExceptionDispatchInfo? _workerError;
    private double _beta;

    public ReverseKlStep(FlowDistribution flow, ILogDensity target, int batch, int importanceSamples, bool stickingTheLanding, bool parallel)
    {
        _flow = flow;
        int d = flow.Dimension;
        // two halves when each holds whole importance-sampling groups; one chunk otherwise
        int chunks = batch >= 2 && batch % (2 * importanceSamples) == 0 ? 2 : 1;
        _halves = new Half[chunks];
        for (int h = 0; h < chunks; h++)
        {
            _halves[h] = new Half(flow, target, batch / chunks, d, importanceSamples, stickingTheLanding, 1.0 / chunks);
        }

        if (parallel && chunks == 2 && Environment.ProcessorCount > 1)
        {
            _worker = new Thread(WorkerLoop) { IsBackground = true, Name = "Inference VI worker" };
            _worker.Start();
        }
    }

    /// <summary>Draws of the last run whose target log-density was not finite, over both halves.</summary>
    public int Dropped { get; private set; }

    /// <summary>
    /// Runs forward and backward for the base draws <paramref name="noise"/> [batch, D] with the target scaled by
    /// <paramref name="beta"/>; returns the unannealed objective. When it is finite the flow's parameter gradients
    /// hold −∇ of the (annealed) objective.
    /// </summary>
    public double Run(double[] noise, double beta)
    {
        _beta = beta;
        int rows = _halves[0].Rows * _flow.Dimension;
        for (int h = 0; h < _halves.Length; h++)
        {
            _halves[h].Noise = new ArraySegment<double>(noise, h * rows, rows);
        }

        if (_worker is not null)
        {
            _go.Release();
            _halves[0].Run(_beta);
            _done.Wait();
            _workerError?.Throw();
        }
        else
        {
            foreach (var half in _halves)
            {
                half.Run(_beta);
            }
        }

        double value = 0;
        Dropped = 0;
        foreach (var half in _halves)
        {
            value += half.Value;
            Dropped += half.Dropped;
        }

        if (double.IsFinite(value))
        {
            // each parameter's gradient is the halves' gradients added in a fixed order, in one pass
            var parameters = _flow.Transform.Parameters();
            for (int i = 0; i < parameters.Count; i++)
            {
                bool collected = false;
                foreach (var half in _halves)
                {
                    collected |= parameters[i].Collect(half.Tape, overwrite: !collected);
                }

                if (!collected)
                {
                    Array.Clear(parameters[i].Grad);
                }
            }
        }

        return value;
    }

    private void WorkerLoop()
    {
        while (true)
        {
            _go.Wait();
            if (_stopping)
            {
                return;
            }

            try
            {
                _halves[1].Run(_beta);
            }
            catch (Exception ex)
            {
                _workerError = ExceptionDispatchInfo.Capture(ex);
            }

            _done.Release();
        }
    }

    public void Dispose()
    {
        if (_worker is not null)
        {
            _stopping = true;
            _go.Release();
            _worker.Join();
        }

        _go.Dispose();
        _done.Dispose();
    }

    private sealed class Half
    {
        private readonly FlowDistribution _flow;
        private readonly CustomOp _target;
        private readonly TargetRows _rows;
        private readonly StickingTheLanding? _stl;
        private readonly int _d;
        private readonly int _k;
        private readonly double _share;

        public Half(FlowDistribution flow, ILogDensity target, int rows, int d, int k, bool stl, double share)
        {
            _flow = flow;
            Rows = rows;
            _d = d;
            _k = k;
            _share = share;
            _rows = new TargetRows(rows);
            _target = VariationalFit.BatchTargetOp(target.CreateEvaluator(), rows, d, _rows);
            _stl = stl ? new StickingTheLanding(flow, rows) : null;
        }

        public int Rows { get; }

        public Tape Tape { get; } = new();

        public ArraySegment<double> Noise { get; set; }

        public double Value { get; private set; }

        /// <summary>Rows of the last run whose target log-density was not finite (left out of the objective).</summary>
        public int Dropped => _rows.Dropped;

        public void Run(double beta)
        {
            Tape.Reset();
            var (x, logQ) = _flow.PushForward(Tape.Constant(Noise, Shape.Matrix(Rows, _d)));
            var logP = Ops.Custom(_target, Shape.Vector(Rows), x);
            if (_rows.Dropped > Rows / 2)
            {
                // the target fails on most of the batch: the step is skipped rather than driven by a few rows
                Value = double.NaN;
                return;
            }

            var annealed = beta < 1 ? logP * beta : logP;
            var objective = VariationalFit.Objective(annealed - logQ, Rows, _k, _rows);
            Value = _share * (beta < 1 ? VariationalFit.Objective(logP - logQ, Rows, _k, _rows).Item : objective.Item);
            if (double.IsFinite(Value))
            {
                Tape.Backward(-_share * (_stl is null ? objective : _stl.Surrogate(x, annealed, _rows)));
            }
        }
    }
}
