using Inference.Distributions;
using Inference.Modeling;
using Inference.Transforms;

namespace Inference.Tests.BadInput;

/// <summary>
/// Bad data and bad distribution arguments (issue 13): Stan JSON that is malformed or mistyped, observations outside a
/// distribution's support, invalid constant parameters, and data that is not finite. Each case asserts the exact
/// exception type and that its message or ParamName names the field or argument, or the exact −∞ log-density.
/// </summary>
public class DataAndDistributionBadInputTests
{
    private static FormatException Format(Action read) => Assert.Throws<FormatException>(read);

    private static double[] LogProb(IDistribution d, params double[] x) => d.LogProb(new Tape().Constant(x)).Value.ToArray();

    // ------------------------------------------------------------------ Stan JSON

    [Fact]
    public void StanData_WrongTypedElement_NamesTheFieldAndIndex()
    {
        var data = StanData.Parse("""{"y": [1, "a", 3]}""");
        var ex = Format(() => data.Vector("y"));
        Assert.Contains("'y[2]'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("\"a\"", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StanData_ObjectWhereAVectorIsExpected_NamesTheField()
    {
        var data = StanData.Parse("""{"sigma": {"a": 1}}""");
        Assert.Contains("'sigma' is a JSON object, not an array", Format(() => data.Vector("sigma")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StanData_BooleanWhereAScalarIsExpected_NamesTheField()
    {
        var data = StanData.Parse("""{"mu": true}""");
        Assert.Contains("'mu' is a JSON boolean, not a number", Format(() => data.Scalar("mu")).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"y": [1, 2""")]
    [InlineData("""{"y": [1, 2,]}""")]
    [InlineData("""{y: 1}""")]
    [InlineData("")]
    public void StanData_MalformedJson_RaisesFormatException_NotJsonException(string text)
    {
        var ex = Format(() => StanData.Parse(text));
        Assert.Contains("not valid JSON", ex.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<System.Text.Json.JsonException>(ex.InnerException);
    }

    [Fact]
    public void StanData_RootNotAnObject_RaisesFormatException()
    {
        Assert.Contains("JSON object", Format(() => StanData.Parse("[1, 2, 3]")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StanData_DuplicateName_IsRefusedNamingIt()
    {
        Assert.Contains("'N' twice", Format(() => StanData.Parse("""{"N": 1, "N": 2}""")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StanData_MalformedFile_NamesTheFile()
    {
        string path = Path.Combine(Path.GetTempPath(), $"bad-stan-data-{Environment.ProcessId}.json");
        File.WriteAllText(path, """{"J": 8, "y": [28, 8""");
        try
        {
            Assert.StartsWith(path + ":", Format(() => StanData.Load(path)).Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("8.5")]
    [InlineData("3e10")]
    [InlineData("-1e300")]
    public void StanData_NonIntegerSize_IsRefusedNotTruncated(string value)
    {
        var data = StanData.Parse($$"""{"N": {{value}}}""");
        var ex = Format(() => data.Integer("N"));
        Assert.Contains("'N'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("not an integer", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StanData_Integer_ReadsWholeNumbersWrittenAsReals()
    {
        var data = StanData.Parse("""{"N": 8, "M": 8.0, "K": 1e2, "counts": [0, 3, 12]}""");
        Assert.Equal((8, 8, 100), (data.Integer("N"), data.Integer("M"), data.Integer("K")));
        Assert.Equal([0, 3, 12], data.Integers("counts"));
    }

    [Fact]
    public void StanData_FractionalElementOfAnIntegerArray_NamesTheElement()
    {
        var data = StanData.Parse("""{"counts": [0, 3, 1.5]}""");
        Assert.Contains("'counts[3]' is 1.5", Format(() => data.Integers("counts")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StanData_CmdStanInfinityAndNaNStrings_AreAccepted()
    {
        var data = StanData.Parse("""{"x": ["Inf", "-Inf", "NaN", "Infinity", "-infinity", "+inf", 2.5], "s": "-Inf"}""");
        var x = data.Vector("x");
        Assert.Equal(double.PositiveInfinity, x[0]);
        Assert.Equal(double.NegativeInfinity, x[1]);
        Assert.True(double.IsNaN(x[2]));
        Assert.Equal([double.PositiveInfinity, double.NegativeInfinity, double.PositiveInfinity, 2.5], x[3..]);
        Assert.Equal(double.NegativeInfinity, data.Scalar("s"));
    }

    [Fact]
    public void StanData_OtherStrings_AreRefusedNamingTheField()
    {
        var data = StanData.Parse("""{"x": ["--Inf"]}""");
        Assert.Contains("'x[1]' is the string \"--Inf\"", Format(() => data.Vector("x")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StanData_RaggedMatrix_AndWrongTypedMatrixElement_NameTheField()
    {
        var data = StanData.Parse("""{"X": [[1, 2], [3]], "Z": [[1, 2], [null, 4]]}""");
        Assert.Contains("'X' is not rectangular: row 1 has 2 entries, row 2 has 1", Format(() => data.Matrix("X")).Message, StringComparison.Ordinal);
        Assert.Contains("'Z[2,1]' is a JSON null", Format(() => data.Matrix("Z")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StanData_MissingEntry_IsNamed()
    {
        var ex = Assert.Throws<KeyNotFoundException>(() => StanData.Parse("""{"J": 8}""").Vector("y"));
        Assert.Contains("'y'", ex.Message, StringComparison.Ordinal);
    }

    // ------------------------------------------------------------------ values outside the support: exactly −∞

    [Fact]
    public void Uniform_OutsideItsInterval_IsMinusInfinity()
    {
        Assert.Equal([0.0, double.NegativeInfinity, double.NegativeInfinity], LogProb(new Uniform(0, 1), 0.5, 2, -0.1));
        var tape = new Tape();
        Assert.Equal(double.NegativeInfinity, Uniform.LogProb(tape.Constant(2.0), tape.Variable(0.0), tape.Variable(1.0)).Item);
    }

    [Fact]
    public void Exponential_AtMinusOne_IsMinusInfinity()
    {
        Assert.Equal([double.NegativeInfinity, -1.0], LogProb(new Exponential(1), -1, 1));
    }

    [Fact]
    public void Bernoulli_OutsideZeroOne_IsMinusInfinity()
    {
        var lp = LogProb(new Bernoulli(0.3), 2, 0.5, -1, 1);
        Assert.Equal([double.NegativeInfinity, double.NegativeInfinity, double.NegativeInfinity, Math.Log(0.3)], lp);
        Assert.Equal(double.NegativeInfinity, Bernoulli.LogProbLogit(new Tape().Constant(2.0), 0.4).Item);
    }

    [Fact]
    public void CountDistributions_NegativeOrFractionalOrAboveTheTrials_AreMinusInfinity()
    {
        Assert.Equal([double.NegativeInfinity, double.NegativeInfinity], LogProb(new Poisson(3), -1, 1.5));
        Assert.Equal([double.NegativeInfinity, double.NegativeInfinity], LogProb(new NegativeBinomial(3, 2), -2, 0.5));
        Assert.Equal([double.NegativeInfinity, double.NegativeInfinity], LogProb(new Binomial(10, 0.3), 11, 2.5));
        Assert.Equal(double.NegativeInfinity, Poisson.LogProbLogRate(new Tape().Constant(-3.0), 0.1).Item);
    }

    [Fact]
    public void PositiveAndUnitSupports_Outside_AreMinusInfinity()
    {
        Assert.Equal(double.NegativeInfinity, LogProb(new Beta(2, 3), 1.2)[0]);
        Assert.Equal(double.NegativeInfinity, LogProb(new Gamma(2, 1), -0.5)[0]);
        Assert.Equal(double.NegativeInfinity, LogProb(new InverseGamma(2, 1), -0.5)[0]);
        Assert.Equal(double.NegativeInfinity, LogProb(new Weibull(2, 1), -0.5)[0]);
        Assert.Equal([double.NegativeInfinity, double.NegativeInfinity], LogProb(new LogNormal(0, 1), -1, 0));
        Assert.Equal(double.NegativeInfinity, LogProb(new HalfNormal(1), -0.1)[0]);
        Assert.Equal(double.NegativeInfinity, LogProb(new HalfCauchy(1), -0.1)[0]);
        Assert.Equal(double.NegativeInfinity, LogProb(new HalfStudentT(3, 1), -0.1)[0]);
    }

    [Fact]
    public void Categorical_IndexOutsideTheCategories_IsMinusInfinity()
    {
        var d = new Categorical([0.5, -1, 2]);
        Assert.Equal([double.NegativeInfinity, double.NegativeInfinity, double.NegativeInfinity], LogProb(d, 3, 1.5, -1));
        Assert.Equal(double.NegativeInfinity, Categorical.LogProb([7], new Tape().Constant([0.5, -1, 2])).Value[0]);
    }

    [Fact]
    public void Dirichlet_NegativeEntry_IsMinusInfinity()
    {
        Assert.Equal(double.NegativeInfinity, new Dirichlet([1.5, 2, 3]).LogProb(new Tape().Constant([-0.2, 0.7, 0.5])).Item);
    }

    // ------------------------------------------------------------------ invalid constant parameters raise, naming them

    [Theory]
    [InlineData("normal", "standardDeviation")]
    [InlineData("cauchy", "scale")]
    [InlineData("gamma", "shape")]
    [InlineData("student-t", "degreesOfFreedom")]
    [InlineData("half-normal", "scale")]
    [InlineData("bernoulli", "probability")]
    [InlineData("binomial", "trials")]
    [InlineData("poisson", "rate")]
    [InlineData("log-normal", "logStandardDeviation")]
    [InlineData("weibull", "scale")]
    public void StaticLogProb_InvalidConstantParameter_RaisesNamingIt(string distribution, string parameter)
    {
        var x = new Tape().Constant([1.0, 2.0]);
        Action call = distribution switch
        {
            "normal" => () => Normal.LogProb(x, 0.0, -1.0),
            "cauchy" => () => Cauchy.LogProb(x, 0.0, 0.0),
            "gamma" => () => Gamma.LogProb(x, 0.0, 1.0),
            "student-t" => () => StudentT.LogProb(x, double.NaN, 0.0, 1.0),
            "half-normal" => () => HalfNormal.LogProb(x, -2.0),
            "bernoulli" => () => Bernoulli.LogProb(x, 1.5),
            "binomial" => () => Binomial.LogProb(x, 2.5, 0.5),
            "poisson" => () => Poisson.LogProb(x, double.PositiveInfinity),
            "log-normal" => () => LogNormal.LogProb(x, 0.0, 0.0),
            "weibull" => () => Weibull.LogProb(x, 1.0, -3.0),
            _ => throw new ArgumentException(distribution),
        };
        Assert.Equal(parameter, Assert.Throws<ArgumentOutOfRangeException>(call).ParamName);
    }

    [Fact]
    public void StaticUniform_LowerNotBelowUpper_RaisesNamingUpper()
    {
        Assert.Equal("upper", Assert.Throws<ArgumentException>(() => Uniform.LogProb(new Tape().Constant(0.5), 1.0, 1.0)).ParamName);
    }

    [Fact]
    public void InvalidScaleOnTheTape_IsMinusInfinity_NotAnException()
    {
        // a scale that is a parameter value (here a tape variable) must not throw mid-sampling
        var tape = new Tape();
        var sigma = tape.Variable(Tensor.FromVector([1.0, -1.0, 0.0]));
        var lp = Normal.LogProb(tape.Constant([0.5, 0.5, 0.5]), 0.0, sigma);
        Assert.Equal(Normal.LogProb(tape.Constant(0.5), 0.0, 1.0).Item, lp.Value[0], 1e-15);
        Assert.Equal([double.NegativeInfinity, double.NegativeInfinity], lp.Value[1..].ToArray());
        tape.Backward(Ops.Sum(lp));    // the gradient pass runs; the −∞ terms make it a rejected (divergent) proposal
        Assert.Equal(double.NegativeInfinity, Gamma.LogProb(tape.Constant(1.0), tape.Variable(-2.0), 1.0).Item);
    }

    [Fact]
    public void ModelWithAScaleThatLeavesItsDomain_EvaluatesToMinusInfinity()
    {
        // sigma declared on the real line by mistake: at sigma < 0 the log-density is −∞, with or without a gradient
        var data = Tensor.FromVector([0.3, -0.2]);
        var model = Model.Create("bad_scale", m =>
        {
            var sigma = m.Parameter("sigma", Constraint.Real);
            m.Observe(Normal.LogProb(m.Tape.Constant(data), 0.0, sigma));
        }).Compile();
        var ev = model.CreateModelEvaluator();
        Assert.Equal(double.NegativeInfinity, ev.LogDensity([-1.0]));
        Assert.Equal(double.NegativeInfinity, ev.LogDensityAndGradient([-1.0], new double[1]));
        Assert.True(double.IsFinite(ev.LogDensity([1.0])));
    }

    // ------------------------------------------------------------------ data that is not finite is refused where it enters

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void ObservedDataNotFinite_IsRefusedAtCompileNamingTheData(double bad)
    {
        var y = Tensor.FromVector([1.0, 2.0, bad, 0.5]);
        var model = Model.Create("normal_mean", m =>
        {
            var mu = m.Parameter("mu", Constraint.Real);
            m.Observe(new Normal(0, 1), y);
            m.Prior(Normal.LogProb(mu, 0.0, 1.0));
        });
        var ex = Assert.Throws<ArgumentException>(() => model.Compile());
        Assert.Equal("data", ex.ParamName);
        Assert.Contains("at index 2", ex.Message, StringComparison.Ordinal);
        Assert.Contains("must be finite", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DataCheck_NamesTheDataAndCountsTheBadValues()
    {
        var ex = Assert.Throws<ArgumentException>(() => DataCheck.Finite([1, double.NaN, 2, double.NaN], "y", "values"));
        Assert.Equal("values", ex.ParamName);
        Assert.Contains("Data 'y' has a non-finite value (NaN) at index 1 (2 of its 4 values are not finite)", ex.Message, StringComparison.Ordinal);
    }
}
