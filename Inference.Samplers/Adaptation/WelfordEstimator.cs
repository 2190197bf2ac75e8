namespace Inference.Samplers.Adaptation;

/// <summary>Running mean and (co)variance of positions (Welford), diagonal or dense.</summary>
public sealed class WelfordEstimator
{
    private readonly double[] _mean;
    private readonly double[] _m2;
    private readonly double[] _delta;
    private int _count;

    /// <summary>Creates an estimator of dimension <paramref name="dimension"/>.</summary>
    public WelfordEstimator(int dimension, bool dense)
    {
        Dense = dense;
        _mean = new double[dimension];
        _delta = new double[dimension];
        _m2 = new double[dense ? dimension * dimension : dimension];
    }

    /// <summary>Whether the full covariance is kept.</summary>
    public bool Dense { get; }

    /// <summary>Number of samples added since the last restart.</summary>
    public int Count => _count;

    /// <summary>Forgets all samples.</summary>
    public void Restart()
    {
        _count = 0;
        Array.Clear(_mean);
        Array.Clear(_m2);
    }

    /// <summary>Adds one position.</summary>
    public void Add(ReadOnlySpan<double> x)
    {
        _count++;
        int d = _mean.Length;
        for (int i = 0; i < d; i++)
        {
            _delta[i] = x[i] - _mean[i];
            _mean[i] += _delta[i] / _count;
        }

        if (Dense)
        {
            for (int i = 0; i < d; i++)
            {
                double di = x[i] - _mean[i];
                for (int j = 0; j < d; j++)
                {
                    _m2[(i * d) + j] += _delta[j] * di;
                }
            }
        }
        else
        {
            for (int i = 0; i < d; i++)
            {
                _m2[i] += _delta[i] * (x[i] - _mean[i]);
            }
        }
    }

    /// <summary>The sample (co)variance (n − 1 denominator) into <paramref name="destination"/>.</summary>
    public void Variance(Span<double> destination)
    {
        for (int i = 0; i < _m2.Length; i++)
        {
            destination[i] = _m2[i] / (_count - 1);
        }
    }
}
