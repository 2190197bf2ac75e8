using System.Runtime.CompilerServices;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>
    /// The first-order linear recursion hₜ = aₜ + bₜ·hₜ₋₁ along the last axis, from h₋₁ = <paramref name="initial"/>, as
    /// one node (a scan): the recursions of time-series likelihoods. ARMA(1,1)'s errors are
    /// εₜ = (yₜ − μ − φyₜ₋₁) − θεₜ₋₁ (a = the bracket, b = −θ, h₋₁ = 0, with the first term μ + φμ as Stan writes it), and
    /// GARCH(1,1)'s variances σ²ₜ = (ω + α(rₜ₋₁ − μ)²) + βσ²ₜ₋₁ (a = the bracket with σ²₁ first, b = β, h₋₁ = 0). The
    /// vector-Jacobian product runs the adjoint recursion λₜ = ḡₜ + bₜ₊₁λₜ₊₁ backwards: O(T), no node per step.
    /// </summary>
    /// <param name="a">The inputs aₜ: a vector [T], or [R, T] for R independent recursions.</param>
    /// <param name="b">The coefficients: a scalar (the same at every step), or the shape of <paramref name="a"/>.</param>
    /// <param name="initial">h₋₁: a scalar, or one per recursion [R].</param>
    /// <exception cref="ArgumentException">The shapes disagree.</exception>
    public static Var Scan(Var a, Var b, Var initial)
    {
        var tape = TapeOf(a, b, nameof(a), nameof(b));
        TapeOf(a, initial, nameof(a), nameof(initial));
        int ai = tape.Check(a), bi = tape.Check(b), hi = tape.Check(initial);
        Shape sa = tape.Node(ai).Shape, sb = tape.Node(bi).Shape, sh = tape.Node(hi).Shape;
        if (sa.Rank is not (1 or 2) || sa.Length == 0)
        {
            throw new ArgumentException($"Scan needs inputs [T] or [R, T]; got {sa}.", nameof(a));
        }

        int steps = sa[sa.Rank - 1], recursions = sa.Length / steps;
        if (sb.Length != 1 && sb != sa)
        {
            throw new ArgumentException($"Scan needs a scalar coefficient or one per input ({sa}); got {sb}.", nameof(b));
        }

        if (sh.Length != 1 && !(sa.Rank == 2 && sh == Shape.Vector(recursions)))
        {
            throw new ArgumentException($"Scan needs a scalar initial value or one per recursion [{recursions}]; got {sh}.", nameof(initial));
        }

        int id = tape.Push(ScanOp.Instance, sa, ai, bi, hi);
        ScanOp.Forward(tape.V(ai), tape.V(bi), tape.V(hi), tape.V(id), steps, recursions);
        return tape.Wrap(id);
    }

    private sealed class ScanOp : TapeOp, IReplayable
    {
        public static readonly ScanOp Instance = new();

        public override void Replay(Tape tape, int id, ref NodeRecord node)
        {
            var shape = node.Shape;
            int steps = shape[shape.Rank - 1];
            Forward(tape.V(node.In0), tape.V(node.In1), tape.V(node.In2), tape.V(id), steps, shape.Length / steps);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Forward(ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> h0, Span<double> h, int steps, int recursions)
        {
            bool scalarB = b.Length == 1;
            for (int r = 0; r < recursions; r++)
            {
                double prev = h0.Length == 1 ? h0[0] : h0[r];
                int o = r * steps;
                if (scalarB)
                {
                    double c = b[0];
                    for (int t = 0; t < steps; t++)
                    {
                        prev = a[o + t] + (c * prev);
                        h[o + t] = prev;
                    }
                }
                else
                {
                    for (int t = 0; t < steps; t++)
                    {
                        prev = a[o + t] + (b[o + t] * prev);
                        h[o + t] = prev;
                    }
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Backward(Tape tape, int id, in NodeRecord node)
        {
            ReadOnlySpan<double> g = tape.G(id)!;
            ReadOnlySpan<double> h = tape.V(id), b = tape.V(node.In1), h0 = tape.V(node.In2);
            double[]? ga = tape.G(node.In0), gb = tape.G(node.In1), gh = tape.G(node.In2);
            var shape = node.Shape;
            int steps = shape[shape.Rank - 1], recursions = shape.Length / steps;
            bool scalarB = b.Length == 1;
            for (int r = 0; r < recursions; r++)
            {
                int o = r * steps;
                double lambda = 0, bNext = 0, bSum = 0;
                for (int t = steps - 1; t >= 0; t--)
                {
                    // λₜ = ḡₜ + bₜ₊₁λₜ₊₁
                    lambda = g[o + t] + (bNext * lambda);
                    double bt = scalarB ? b[0] : b[o + t];
                    double hPrev = t > 0 ? h[o + t - 1] : (h0.Length == 1 ? h0[0] : h0[r]);
                    if (ga is not null)
                    {
                        ga[o + t] += lambda;
                    }

                    if (gb is not null)
                    {
                        if (scalarB)
                        {
                            bSum += lambda * hPrev;
                        }
                        else
                        {
                            gb[o + t] += lambda * hPrev;
                        }
                    }

                    bNext = bt;
                }

                if (gb is not null && scalarB)
                {
                    gb[0] += bSum;
                }

                if (gh is not null)
                {
                    // h₋₁ reaches h₀ through b₀
                    gh[h0.Length == 1 ? 0 : r] += bNext * lambda;
                }
            }
        }
    }
}
