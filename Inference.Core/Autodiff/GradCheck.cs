namespace Inference.Autodiff;

/// <summary>The outcome of a <see cref="GradCheck"/>: the worst disagreement between AD and finite differences.</summary>
/// <param name="MaxRelativeError">max |ad − fd| / max(1, |ad|, |fd|) over every checked element.</param>
/// <param name="WorstInput">The input holding the worst element.</param>
/// <param name="WorstIndex">Its index within that input.</param>
/// <param name="Analytic">The AD derivative there.</param>
/// <param name="Numeric">The finite-difference derivative there.</param>
public readonly record struct GradCheckResult(double MaxRelativeError, int WorstInput, int WorstIndex, double Analytic, double Numeric)
{
    /// <inheritdoc/>
    public override string ToString() =>
        $"max relative error {MaxRelativeError:E3} at input {WorstInput}[{WorstIndex}] (AD {Analytic:R}, finite difference {Numeric:R})";
}

/// <summary>
/// Checks reverse-mode gradients against central finite differences. For a tensor-valued function the
/// output is contracted with a fixed pseudo-random cotangent, so one check covers the whole
/// vector-Jacobian product.
/// </summary>
public static class GradCheck
{
    /// <summary>
    /// Compares AD and central differences (step <paramref name="step"/> relative to max(1, |x|)) of
    /// <paramref name="function"/> with respect to every element of every input.
    /// </summary>
    public static GradCheckResult Check(Func<Var[], Var> function, IReadOnlyList<Tensor> inputs, double step = 1e-6, int cotangentSeed = 12345)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count == 0)
        {
            throw new ArgumentException("At least one input is needed.", nameof(inputs));
        }

        if (!(step > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(step), step, "The step must be positive.");
        }

        var tape = new Tape();
        var vars = new Var[inputs.Count];
        for (int j = 0; j < inputs.Count; j++)
        {
            vars[j] = tape.Variable(inputs[j].Data, inputs[j].Shape);
        }

        var y = function(vars);
        var cotangent = Cotangent(y.Value.Length, cotangentSeed);
        tape.Backward(y, cotangent);
        var analytic = new double[inputs.Count][];
        for (int j = 0; j < inputs.Count; j++)
        {
            analytic[j] = vars[j].RequiresGrad ? vars[j].Grad.ToArray() : new double[inputs[j].Length];
        }

        var work = new double[inputs.Count][];
        for (int j = 0; j < inputs.Count; j++)
        {
            work[j] = (double[])inputs[j].Data.Clone();
        }

        double Evaluate()
        {
            tape.Reset();
            using var scope = tape.NoGrad();
            var vs = new Var[work.Length];
            for (int j = 0; j < work.Length; j++)
            {
                vs[j] = tape.Constant(work[j], inputs[j].Shape);
            }

            var v = function(vs).Value;
            double s = 0;
            for (int i = 0; i < v.Length; i++)
            {
                s += cotangent[i] * v[i];
            }

            return s;
        }

        var result = new GradCheckResult(0, 0, 0, 0, 0);
        for (int j = 0; j < work.Length; j++)
        {
            for (int i = 0; i < work[j].Length; i++)
            {
                double x0 = work[j][i];
                double h = step * Math.Max(1, Math.Abs(x0));
                work[j][i] = x0 + h;
                double fp = Evaluate();
                work[j][i] = x0 - h;
                double fm = Evaluate();
                work[j][i] = x0;
                double numeric = (fp - fm) / (2 * h);
                double a = analytic[j][i];
                double err = Math.Abs(a - numeric) / Math.Max(1, Math.Max(Math.Abs(a), Math.Abs(numeric)));
                if (double.IsNaN(err))
                {
                    err = double.PositiveInfinity;
                }

                if (err > result.MaxRelativeError || (i == 0 && j == 0))
                {
                    result = new GradCheckResult(err, j, i, a, numeric);
                }
            }
        }

        return result;
    }

    private static double[] Cotangent(int n, int seed)
    {
        // A fixed, reproducible cotangent in [0.5, 1.5) (SplitMix64), nonzero so no output is ignored.
        var w = new double[n];
        ulong state = (ulong)seed;
        for (int i = 0; i < n; i++)
        {
            state += 0x9E3779B97F4A7C15UL;
            ulong z = state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            w[i] = 0.5 + ((z >> 11) * (1.0 / (1UL << 53)));
        }

        return w;
    }
}
