using Inference.Distributions;
using Inference.Randomness;
using Inference.Tests.Randomness;
using MathNet.Numerics.LinearAlgebra;
using MN = MathNet.Numerics.Distributions;

namespace Inference.Tests.Distributions;

public class MultivariateDistributionTests
{
    private static readonly double[] Mean3 = [0.5, -1.0, 2.0];

    private static Tensor Covariance3() => Tensor.FromMatrix(new double[,] { { 2.0, 0.6, -0.3 }, { 0.6, 1.5, 0.4 }, { -0.3, 0.4, 0.8 } });

    /// <summary>Reference log N(x; μ, Σ) computed with MathNet's dense linear algebra.</summary>
    private static double ReferenceLogPdf(double[] x, double[] mean, Tensor cov)
    {
        int n = mean.Length;
        var s = Matrix<double>.Build.Dense(n, n, (i, j) => cov[i, j]);
        var d = Vector<double>.Build.Dense(n, i => x[i] - mean[i]);
        return (-0.5 * d.DotProduct(s.Solve(d))) - (0.5 * Math.Log(s.Determinant())) - (0.5 * n * Math.Log(2 * Math.PI));
    }

    [Fact]
    public void MultivariateNormal_AllParameterizations_MatchReference()
    {
        var cov = Covariance3();
        var covM = Matrix<double>.Build.Dense(3, 3, (i, j) => cov[i, j]);
        var lM = covM.Cholesky().Factor;
        var l = new Tensor(Shape.Matrix(3, 3));
        var p = new Tensor(Shape.Matrix(3, 3));
        var pM = covM.Inverse();
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                l[i, j] = lM[i, j];
                p[i, j] = pM[i, j];
            }
        }

        double[][] xs = [[0.1, 0.2, 0.3], [-2, 1, 4], [0.5, -1, 2]];
        var tape = new Tape();
        var batch = tape.Constant(xs.SelectMany(r => r).ToArray(), Shape.Matrix(3, 3));
        var byCov = MultivariateNormal.LogProb(batch, tape.Constant(Mean3), tape.Constant(cov)).Value;
        var byChol = new MultivariateNormal(Mean3, cov).LogProb(batch).Value;
        var byPrec = new MultivariateNormalPrecision(Mean3, p).LogProb(batch).Value;
        for (int r = 0; r < 3; r++)
        {
            double expected = ReferenceLogPdf(xs[r], Mean3, cov);
            Assert.Equal(expected, byCov[r], 1e-10);
            Assert.Equal(expected, byChol[r], 1e-10);
            Assert.Equal(expected, byPrec[r], 1e-10);
            Assert.Equal(expected, MultivariateNormal.FromCholesky(Mean3, l).LogProb(tape.Constant(xs[r])).Item, 1e-10);
        }
    }

    [Fact]
    public void MultivariateNormal_GradientsInXMeanAndMatrix_MatchFiniteDifferences()
    {
        var cov = Covariance3();
        var x = Tensor.FromVector([0.1, 0.2, 0.3]);
        var xb = new Tensor([0.1, 0.2, 0.3, -1, 0.5, 1.5], Shape.Matrix(2, 3));
        var mean = Tensor.FromVector(Mean3);
        var byCov = GradCheck.Check(v => MultivariateNormal.LogProb(v[0], v[1], v[2]), [x, mean, cov]);
        Assert.True(byCov.MaxRelativeError < 1e-6, byCov.ToString());
        var byCovBatch = GradCheck.Check(v => MultivariateNormal.LogProb(v[0], v[1], v[2]), [xb, mean, cov]);
        Assert.True(byCovBatch.MaxRelativeError < 1e-6, byCovBatch.ToString());
        var byPrec = GradCheck.Check(v => MultivariateNormalPrecision.LogProb(v[0], v[1], v[2]), [xb, mean, cov]);
        Assert.True(byPrec.MaxRelativeError < 1e-6, byPrec.ToString());
    }

    [Fact]
    public void CholeskyAndTriangularSolve_GradientsMatchFiniteDifferences()
    {
        var a = Covariance3();
        var chol = GradCheck.Check(v => Ops.Cholesky(v[0]), [a]);
        Assert.True(chol.MaxRelativeError < 1e-6, chol.ToString());
        var lower = Tensor.FromMatrix(new double[,] { { 1.5, 0, 0 }, { 0.3, 0.9, 0 }, { -0.4, 0.2, 1.1 } });
        var solveVec = GradCheck.Check(v => Ops.TriangularSolve(v[0], v[1]), [lower, Tensor.FromVector([0.3, -1, 2])]);
        Assert.True(solveVec.MaxRelativeError < 1e-6, solveVec.ToString());
        var solveMat = GradCheck.Check(v => Ops.TriangularSolve(v[0], v[1]), [lower, new Tensor([0.3, -1, 2, 0.5, 1, 1.5], Shape.Matrix(3, 2))]);
        Assert.True(solveMat.MaxRelativeError < 1e-6, solveMat.ToString());
        var diag = GradCheck.Check(v => Ops.Diagonal(v[0]), [a]);
        Assert.True(diag.MaxRelativeError < 1e-6, diag.ToString());

        var tape = new Tape();
        var l = Ops.Cholesky(tape.Constant(a)).Value;
        var lM = Matrix<double>.Build.Dense(3, 3, (i, j) => a[i, j]).Cholesky().Factor;
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                Assert.Equal(lM[i, j], l[(i * 3) + j], 1e-14);
            }
        }

        var notPd = Ops.Cholesky(tape.Constant([1.0, 2, 2, 1], Shape.Matrix(2, 2))).Value;
        Assert.True(double.IsNaN(notPd[0]));
    }

    [Fact]
    public void MultivariateNormal_Sampling_HasTheRightMomentsAndMarginals()
    {
        var cov = Covariance3();
        const int N = 20000;
        var draws = new double[N * 3];
        new MultivariateNormal(Mean3, cov).Sample(new Rng(21), draws);
        var p = Matrix<double>.Build.Dense(3, 3, (i, j) => cov[i, j]).Inverse();
        var pt = new Tensor(Shape.Matrix(3, 3));
        for (int i = 0; i < 9; i++)
        {
            pt[i] = p[i / 3, i % 3];
        }

        var precisionDraws = new double[N * 3];
        new MultivariateNormalPrecision(Mean3, pt).Sample(new Rng(22), precisionDraws);
        foreach (var d in new[] { draws, precisionDraws })
        {
            for (int k = 0; k < 3; k++)
            {
                var marginal = Enumerable.Range(0, N).Select(i => d[(i * 3) + k]).ToArray();
                double sd = Math.Sqrt(cov[k, k]);
                Assert.True(RngTests.KsDistance(marginal, x => MN.Normal.CDF(Mean3[k], sd, x)) < RngTests.KsCritical(N, 1e-3));
            }

            // the correlation of coordinates 0 and 1: its standard error is about (1 − ρ²)/√N
            double rho = cov[0, 1] / Math.Sqrt(cov[0, 0] * cov[1, 1]);
            var c0 = Enumerable.Range(0, N).Select(i => d[i * 3]).ToArray();
            var c1 = Enumerable.Range(0, N).Select(i => d[(i * 3) + 1]).ToArray();
            double r = MathNet.Numerics.Statistics.Correlation.Pearson(c0, c1);
            Assert.True(Math.Abs(r - rho) < 4 * (1 - (rho * rho)) / Math.Sqrt(N), $"correlation {r} vs {rho}");
        }
    }

    [Fact]
    public void Dirichlet_MatchesMathNet_GradientsAndSampling()
    {
        double[] alpha = [1.5, 0.7, 3.0];
        var d = new Dirichlet(alpha);
        double[] x = [0.2, 0.3, 0.5];
        var tape = new Tape();
        Assert.Equal(new MN.Dirichlet(alpha).DensityLn(x), d.LogProb(tape.Constant(x)).Item, 1e-12);
        var grad = GradCheck.Check(v => Dirichlet.LogProb(v[0], v[1]), [Tensor.FromVector(x), Tensor.FromVector(alpha)]);
        Assert.True(grad.MaxRelativeError < 1e-6, grad.ToString());

        const int N = 20000;
        var draws = new double[N * 3];
        d.Sample(new Rng(23), draws);
        double a0 = alpha.Sum();
        for (int k = 0; k < 3; k++)
        {
            // marginal xₖ ~ Beta(αₖ, α₀ − αₖ)
            var marginal = Enumerable.Range(0, N).Select(i => draws[(i * 3) + k]).ToArray();
            Assert.True(RngTests.KsDistance(marginal, v => MN.Beta.CDF(alpha[k], a0 - alpha[k], v)) < RngTests.KsCritical(N, 1e-3));
        }
    }

    [Fact]
    public void BadMatrices_AreRejectedWithTheArgumentName()
    {
        var notSym = Tensor.FromMatrix(new double[,] { { 1, 0.5 }, { 0.2, 1 } });
        var notPd = Tensor.FromMatrix(new double[,] { { 1, 2 }, { 2, 1 } });
        Assert.Equal("covariance", Assert.Throws<ArgumentException>(() => new MultivariateNormal([0, 0], notSym)).ParamName);
        Assert.Equal("covariance", Assert.Throws<ArgumentException>(() => new MultivariateNormal([0, 0], notPd)).ParamName);
        Assert.Equal("covariance", Assert.Throws<ArgumentException>(() => new MultivariateNormal([0, 0, 0], notPd)).ParamName);
        Assert.Equal("precision", Assert.Throws<ArgumentException>(() => new MultivariateNormalPrecision([0, 0], notPd)).ParamName);
        Assert.Equal("concentration", Assert.Throws<ArgumentException>(() => new Dirichlet([1.0])).ParamName);
    }
}
