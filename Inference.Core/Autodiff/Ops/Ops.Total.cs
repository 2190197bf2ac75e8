namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>
    /// A model's log-density (P + L) + J in one node, where P, L and J are the scalar prior, likelihood and Jacobian terms
    /// scalars each summed from the first to the last (an empty P or L is 0; J is left out when empty): the same additions in the
    /// same order as the chain of scalar add nodes it replaces, so the same value and gradients.
    /// </summary>
    internal static Var Total(Tape tape, ReadOnlySpan<Var> prior, ReadOnlySpan<Var> likelihood, ReadOnlySpan<Var> jacobian)
    {
        int start = tape.PushInputs(prior);
        tape.PushInputs(likelihood);
        tape.PushInputs(jacobian);
        int count = prior.Length + likelihood.Length + jacobian.Length;
        var ids = tape.Inputs(start, count);

        int id = tape.Push(TotalOp.Instance, Shape.Scalar, -1, -1, -1, tape.AnyRequiresGrad(ids));
        ref NodeRecord n = ref tape.Node(id);
        n.I0 = start;
        n.I1 = prior.Length;
        n.I2 = likelihood.Length;
        n.S0 = jacobian.Length;
        TotalOp.Forward(tape, id, in n);
        return tape.Wrap(id);
    }

    // t1 + t2 + … from the left; 0 for none
    private static double InOrder(Tape tape, ReadOnlySpan<int> ids)
    {
        if (ids.IsEmpty)
        {
            return 0.0;
        }

        double s = tape.V(ids[0])[0];
        for (int i = 1; i < ids.Length; i++)
        {
            s += tape.V(ids[i])[0];
        }

        return s;
    }

    private sealed class TotalOp : TapeOp, IReplayable
    {
        public static readonly TotalOp Instance = new();

        // the inputs start at I0: I1 prior terms, I2 likelihood terms, S0 Jacobian terms
        public static void Forward(Tape tape, int id, in NodeRecord node)
        {
            int priors = node.I1, likelihoods = node.I2, jacobians = (int)node.S0;
            var ids = tape.Inputs(node.I0, priors + likelihoods + jacobians);
            double total = InOrder(tape, ids[..priors]) + InOrder(tape, ids.Slice(priors, likelihoods));
            if (jacobians > 0)
            {
                total += InOrder(tape, ids[(priors + likelihoods)..]);
            }

            tape.V(id)[0] = total;
        }

        public override void Replay(Tape tape, int id, ref NodeRecord node) => Forward(tape, id, in node);

        public override void Backward(Tape tape, int id, in NodeRecord node)
        {
            double g = tape.G(id)![0];
            foreach (int term in tape.Inputs(node.I0, node.I1 + node.I2 + (int)node.S0))
            {
                double[]? gt = tape.GFresh(term, out bool fresh);
                if (gt is null)
                {
                    continue;
                }

                if (fresh)
                {
                    gt[0] = g;
                }
                else
                {
                    gt[0] += g;
                }
            }
        }
    }
}
