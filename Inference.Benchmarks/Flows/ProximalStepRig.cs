using Inference.Autodiff;
using Inference.Flows;
using Inference.Flows.Bijectors;
using Inference.Flows.Optimizers;
using Inference.InverseProblems;
using Inference.Randomness;

namespace Inference.Benchmarks.Flows;

/// <summary>
/// One maximum-likelihood training step of the conditional proximal residual flow of Hertrich's mixture problem, as
/// <see cref="Inference.Flows.InverseProblems.AmortizedPosterior"/> runs it (fresh pairs, the batch in two halves, the
/// orthogonality penalty, Adam): the timing counterpart of tools/torch-prf-step.py.
/// </summary>
internal sealed class ProximalStepRig : IDisposable
{
    private readonly InverseProblem _problem;
    private readonly FlowDistribution _flow;
    private readonly Adam _adam;
    private readonly Tape[] _tapes = [new(), new()];
    private readonly Rng _rng = new(5);
    private readonly bool _parallel;

    public ProximalStepRig(int blocks, int hidden, bool parallel, ResidualLogDet logDet = ResidualLogDet.Exact)
    {
        _parallel = parallel;
        _problem = MixtureProblem.Create();
        _flow = new FlowDistribution(new InverseFlow(FlowDistribution.ProximalResidualFlow(50, blocks, hidden, new Rng(1), gamma: 1.99, reproduce: 2, contextDimension: 50, conditionHidden: 256, logDet: logDet).Transform));
        var (x, y) = _problem.Simulate(new Rng(2), 200);
        var tape = new Tape();
        using (tape.NoGrad())
        {
            _ = _flow.LogProb(tape.Constant(x, Shape.Matrix(200, 50)), tape.Constant(y, Shape.Matrix(200, 50)));
        }

        _adam = new Adam(_flow.Parameters(), 5e-3);
    }

    public int ParameterCount => _flow.Transform.ParameterCount;

    public double Step()
    {
        var (x, y) = _problem.Simulate(_rng, 200);
        var values = new double[2];
        void Half(int h)
        {
            var tape = _tapes[h];
            tape.Reset();
            var logQ = Ops.Sum(_flow.LogProb(tape.Constant(x.AsSpan(h * 100 * 50, 100 * 50), Shape.Matrix(100, 50)), tape.Constant(y.AsSpan(h * 100 * 50, 100 * 50), Shape.Matrix(100, 50))));
            var loss = -logQ / 200;
            if (h == 0)
            {
                loss += _flow.Transform.Penalty(tape);
            }

            values[h] = logQ.Item;
            tape.Backward(loss);
        }

        if (_parallel)
        {
            Parallel.Invoke(() => Half(0), () => Half(1));
        }
        else
        {
            Half(0);
            Half(1);
        }

        _adam.ZeroGrad();
        _flow.Transform.CollectGradients(_tapes[0]);
        _flow.Transform.CollectGradients(_tapes[1]);
        _adam.ClipGradientNorm(1e4);
        _adam.Step();
        return values[0] + values[1];
    }

    public void Dispose()
    {
    }
}
