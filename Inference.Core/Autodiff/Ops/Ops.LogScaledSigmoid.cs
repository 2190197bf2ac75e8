using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Inference.Autodiff;

/// <summary>The map r ↦ a·sigmoid(r + c) + floor whose log <see cref="Ops.LogScaledSigmoid"/> takes (create it once and reuse it).</summary>
/// <param name="Scale">a &gt; 0.</param>
/// <param name="Shift">c.</param>
/// <param name="Floor">floor ≥ 0.</param>
public sealed record ScaledSigmoid(double Scale, double Shift, double Floor)
{
    /// <summary>2·sigmoid(r) ∈ (0, 2): 1 at r = 0.</summary>
    public static ScaledSigmoid Doubled { get; } = new(2, 0, 0);

    /// <summary>sigmoid(r + 2) + 10⁻³ ∈ (0.001, 1.001): normflows' IAF scale.</summary>
    public static ScaledSigmoid Contracting { get; } = new(1, 2, 1e-3);

    /// <summary>Checks the settings.</summary>
    internal void Validate(string paramName)
    {
        if (!(Scale > 0) || !double.IsFinite(Scale) || !(Floor >= 0) || !double.IsFinite(Floor) || !double.IsFinite(Shift))
        {
            throw new ArgumentOutOfRangeException(paramName, this, "The scale must be positive, the floor non-negative, all finite.");
        }
    }
}

public static partial class Ops
{
    /// <summary>
    /// log(a·sigmoid(r + c) + floor) (the <paramref name="map"/>) of the entries r = x[…, <paramref name="component"/>] of
    /// the last axis, in one node: [b, D, P] → [b, D] (or [b, P] → [b]). An autoregressive layer's log-scale from its
    /// network's [batch, D, 2] block, read in place. With floor 0 it is computed as log a − softplus(−(r + c)), stable
    /// for any r.
    /// </summary>
    public static Var LogScaledSigmoid(Var x, int component, ScaledSigmoid map)
    {
        ArgumentNullException.ThrowIfNull(map);
        map.Validate(nameof(map));
        var tape = TapeOf(x, nameof(x));
        int xi = tape.Check(x);
        var sx = tape.Node(xi).Shape;
        if (sx.Rank is < 2 or > 3)
        {
            throw new ArgumentException($"LogScaledSigmoid needs [b, P] or [b, D, P]; got shape {sx}.", nameof(x));
        }

        int p = sx[sx.Rank - 1];
        if (component < 0 || component >= p)
        {
            throw new ArgumentOutOfRangeException(nameof(component), component, $"The last axis has {p} entries.");
        }

        var sy = sx.Rank == 2 ? Shape.Vector(sx[0]) : Shape.Matrix(sx[0], sx[1]);
        int id = tape.Push(LogScaledSigmoidOp.Instance, sy, xi);
        ref NodeRecord node = ref tape.Node(id);
        node.I0 = component;
        node.I1 = p;
        node.Aux = map;
        LogScaledSigmoidOp.Forward(tape.V(xi), tape.V(id), component, p, map.Scale, map.Shift, map.Floor);
        return tape.Wrap(id);
    }

    private sealed class LogScaledSigmoidOp : TapeOp
    {
        public static readonly LogScaledSigmoidOp Instance = new();

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Forward(ReadOnlySpan<double> x, Span<double> y, int component, int p, double scale, double shift, double floor)
        {
            int n = y.Length;
            if (floor == 0)
            {
                // log(a·sigmoid(u)) = log a − softplus(−u), softplus(−u) = max(−u, 0) + log1p(exp(−|u|))
                for (int i = 0; i < n; i++)
                {
                    y[i] = -Math.Abs(x[(p * i) + component] + shift);
                }

                TensorPrimitives.Exp(y, y);
                TensorPrimitives.LogP1(y, y);
                double logScale = Math.Log(scale);
                for (int i = 0; i < n; i++)
                {
                    y[i] = logScale - (Math.Max(-(x[(p * i) + component] + shift), 0) + y[i]);
                }

                return;
            }

            for (int i = 0; i < n; i++)
            {
                y[i] = x[(p * i) + component] + shift;
            }

            TensorPrimitives.Sigmoid(y, y);
            TensorPrimitives.Multiply(y, scale, y);
            TensorPrimitives.Add(y, floor, y);
            TensorPrimitives.Log(y, y);
        }

        // x̄[…, k] += ȳ · a·s(1 − s)/(a·s + floor) with s = sigmoid(r + shift); 1 − s = sigmoid(−(r + shift)) when floor = 0
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Backward(Tape tape, int id, in NodeRecord node)
        {
            double[]? gx = tape.G(node.In0);
            if (gx is null)
            {
                return;
            }

            ReadOnlySpan<double> x = tape.V(node.In0), g = tape.G(id);
            int n = g.Length, k = node.I0, p = node.I1;
            var map = (ScaledSigmoid)node.Aux!;
            double scale = map.Scale, shift = map.Shift, floor = map.Floor;
            var s = tape.Scratch(0, n);
            for (int i = 0; i < n; i++)
            {
                double u = x[(p * i) + k] + shift;
                s[i] = floor == 0 ? -u : u;
            }

            TensorPrimitives.Sigmoid(s, s);
            for (int i = 0; i < n; i++)
            {
                double si = s[i];
                gx[(p * i) + k] += g[i] * (floor == 0 ? si : scale * si * (1 - si) / ((scale * si) + floor));
            }
        }
    }
}
