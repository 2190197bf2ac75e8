using Inference.Densities;
using Inference.Results;
using Inference.Samplers.Kernels;
using Inference.Samplers.Running;

namespace Inference.Tests.BadInput;

/// <summary>
/// Bad settings and bad starts are refused before any work with the setting (and the chain) named; a chain's
/// failure names the chain and keeps its cause; cancellation leaves every chain's record and status honest.
/// </summary>
public class SamplerSettingsBadInputTests
{
    [Fact]
    public void DrawsTimesThin_OverflowingAnInt_IsRefusedNamingThin_BeforeAnyEvaluation()
    {
        var density = new CountingDensity();
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => ChainRunner.Nuts(density, new RunSettings { Chains = 1, Warmup = 10, Draws = 100_000, Thin = 100_000 }));
        Assert.Equal("Thin", ex.ParamName);
        Assert.Contains("Draws × Thin = 10000000000", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, density.Evaluations);
    }

    [Fact]
    public void WarmupPlusDrawsTimesThin_OverflowingAnInt_IsRefusedNamingWarmup()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => ChainRunner.Nuts(new CountingDensity(), new RunSettings { Chains = 1, Warmup = int.MaxValue - 10, Draws = 20 }));
        Assert.Equal("Warmup", ex.ParamName);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(-1.0)]
    public void InitRadius_NotFiniteOrNegative_IsRefusedNamingIt(double radius)
    {
        var density = new CountingDensity();
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => ChainRunner.Nuts(density, new RunSettings { Chains = 1, InitRadius = radius }));
        Assert.Equal("InitRadius", ex.ParamName);
        Assert.Equal(0, density.Evaluations);
    }

    [Fact]
    public void InitialPosition_WithMinusInfiniteLogDensity_IsRefusedNamingTheChainAndTheSetting_BeforeSampling()
    {
        // log p = −∞ for x < 0 (a half-line support): chain 2 starts outside it
        var density = new CountingDensity(x => x < 0 ? double.NegativeInfinity : -0.5 * x * x);
        var ex = Assert.Throws<ArgumentException>(() => ChainRunner.Nuts(density, new RunSettings { Chains = 3, InitialPositions = [[1.0], [-1.0], [2.0]] }));
        Assert.Equal("InitialPositions", ex.ParamName);
        Assert.StartsWith("Chain 2: at InitialPositions[1] the log-density is -Infinity", ex.Message, StringComparison.Ordinal);
        // the check evaluates the starts and nothing else
        Assert.Equal(2, density.Evaluations);
    }

    [Fact]
    public void InitialPosition_WithNaNLogDensity_IsRefused()
    {
        var density = new CountingDensity(x => x > 5 ? double.NaN : -0.5 * x * x);
        var ex = Assert.Throws<ArgumentException>(() => ChainRunner.Nuts(density, new RunSettings { Chains = 2, InitialPositions = [[6.0], [0.0]] }));
        Assert.Equal("InitialPositions", ex.ParamName);
        Assert.StartsWith("Chain 1: at InitialPositions[0] the log-density is NaN", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InitialPosition_WithNonFiniteGradient_IsRefusedNamingTheCoordinate()
    {
        // |x|^(1/2): finite at 0, its gradient is not
        var density = LogDensity.FromDelegates(
            1,
            x => -Math.Sqrt(Math.Abs(x[0])),
            (x, g) =>
            {
                g[0] = x[0] == 0 ? double.NegativeInfinity : -0.5 * Math.Sign(x[0]) / Math.Sqrt(Math.Abs(x[0]));
                return -Math.Sqrt(Math.Abs(x[0]));
            });
        var ex = Assert.Throws<ArgumentException>(() => ChainRunner.Nuts(density, new RunSettings { Chains = 2, InitialPositions = [[1.0], [0.0]] }));
        Assert.Equal("InitialPositions", ex.ParamName);
        Assert.StartsWith("Chain 2: at InitialPositions[1] the gradient is -Infinity in x[1]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InitialPosition_WithANaNCoordinate_IsRefusedNamingTheEntry()
    {
        var ex = Assert.Throws<ArgumentException>(() => ChainRunner.Nuts(new CountingDensity(), new RunSettings { Chains = 2, InitialPositions = [[0.0], [double.NaN]] }));
        Assert.Equal("InitialPositions", ex.ParamName);
        Assert.StartsWith("Chain 2: InitialPositions[1][0] is NaN", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InitialPositions_OfTheWrongCount_AreRefusedSayingHowMany()
    {
        var ex = Assert.Throws<ArgumentException>(() => ChainRunner.Nuts(new CountingDensity(), new RunSettings { Chains = 3, InitialPositions = [[0.0]] }));
        Assert.Equal("InitialPositions", ex.ParamName);
        Assert.StartsWith("InitialPositions holds 1 positions for 3 chains", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnExceptionOfAnyTypeInOneChain_IsWrappedWithThatChainsNumber_AndKeepsTheCause()
    {
        // chain 3 (started at x = 2) fails on its 20th evaluation with an exception type the runner has no special case for
        var density = new CountingDensity(x => -0.5 * x * x, failFrom: 2.0, failAfter: 20);
        var ex = Assert.Throws<ChainFailedException>(() => ChainRunner.Nuts(density, new RunSettings { Chains = 3, Warmup = 50, Draws = 50, MaxDegreeOfParallelism = 1, InitialPositions = [[0.0], [1.0], [2.0]] }));
        Assert.Equal(3, ex.Chain);
        Assert.Equal(1, ex.FailedChains);
        Assert.IsType<NotSupportedException>(ex.InnerException);
        Assert.Same(density.Thrown, ex.InnerException);
        Assert.Equal("Chain 3 failed: NotSupportedException: evaluation 20 of the chain started at 2", ex.Message);
    }

    [Fact]
    public void ADensityThrowingAtAnInitialPosition_IsWrappedWithThatChainsNumber()
    {
        var density = new CountingDensity(x => -0.5 * x * x, failFrom: 2.0, failAfter: 1);
        var ex = Assert.Throws<ChainFailedException>(() => ChainRunner.Nuts(density, new RunSettings { Chains = 2, InitialPositions = [[0.0], [2.0]] }));
        Assert.Equal(2, ex.Chain);
        Assert.IsType<NotSupportedException>(ex.InnerException);
    }

    [Fact]
    public void WhenTheFirstChainFails_TheOthersAreStopped_AndTheFirstIsNamed()
    {
        var density = new CountingDensity(x => -0.5 * x * x, failFrom: double.NegativeInfinity, failAfter: 5);
        var ex = Assert.Throws<ChainFailedException>(() => ChainRunner.Nuts(density, new RunSettings { Chains = 4, MaxDegreeOfParallelism = 1 }));
        Assert.Equal(1, ex.Chain);
        Assert.Equal(1, ex.FailedChains);
    }

    [Fact]
    public void CancellingAfterTheLastIteration_StillReportsACompletedRun()
    {
        using var cts = new CancellationTokenSource();
        // cancel when the last chain reports it is done: every iteration ran
        var progress = new Cancel(cts, p => p.Phase == ChainPhase.Done && p.Chain == 1);
        var trace = ChainRunner.Nuts(new CountingDensity(), new RunSettings { Chains = 2, Warmup = 50, Draws = 30, MaxDegreeOfParallelism = 1 }, progress: progress, cancellationToken: cts.Token);
        Assert.True(cts.IsCancellationRequested);
        Assert.True(trace.Completed);
        Assert.All(trace.Chains, c => Assert.Equal(ChainStatus.Completed, c.Status));
        Assert.All(trace.Chains, c => Assert.Equal(30, c.Draws));
    }

    [Fact]
    public void CancellingInTheFirstChain_LeavesItsDraws_AndTheChainsThatHadNotStartedEmpty()
    {
        using var cts = new CancellationTokenSource();
        var progress = new Cancel(cts, p => p.Chain == 0 && p.Phase == ChainPhase.Sampling && p.Iteration >= 70);
        var trace = ChainRunner.Nuts(new CountingDensity(), new RunSettings { Chains = 3, Warmup = 50, Draws = 50, MaxDegreeOfParallelism = 1 }, progress: progress, cancellationToken: cts.Token);
        Assert.False(trace.Completed);
        var first = trace.Chains[0];
        Assert.Equal(ChainStatus.CancelledInSampling, first.Status);
        // progress is reported every iteration here (100 in all), so the chain stops right after draw 20
        Assert.Equal(20, first.Draws);
        Assert.True(double.IsFinite(first.StepSize) && first.StepSize > 0);
        for (int c = 1; c < 3; c++)
        {
            Assert.Equal(ChainStatus.NotStarted, trace.Chains[c].Status);
            Assert.Equal(0, trace.Chains[c].Draws);
            Assert.True(double.IsNaN(trace.Chains[c].StepSize));
        }
    }

    [Fact]
    public void CancellingDuringWarmup_MarksTheChainCancelledInWarmup_WithNoDraws()
    {
        using var cts = new CancellationTokenSource();
        var progress = new Cancel(cts, p => p.Phase == ChainPhase.Warmup && p.Iteration >= 10);
        var trace = ChainRunner.Nuts(new CountingDensity(), new RunSettings { Chains = 1, Warmup = 50, Draws = 50 }, progress: progress, cancellationToken: cts.Token);
        Assert.False(trace.Completed);
        Assert.Equal(ChainStatus.CancelledInWarmup, trace.Chains[0].Status);
        Assert.Equal(0, trace.Chains[0].Draws);
    }

    [Fact]
    public void AnUnknownKernelName_IsRefusedListingTheNames()
    {
        var ex = Assert.Throws<ArgumentException>(() => KernelCatalog.Create("nutz"));
        Assert.Equal("name", ex.ParamName);
        Assert.StartsWith("No kernel is registered as 'nutz'; the kernels are nuts, hmc, mala, rwm.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StaticHmcOptions_NameTheOffendingOption()
    {
        Assert.Equal("PathLength", Assert.Throws<ArgumentOutOfRangeException>(() => new StaticHmc(new StaticHmcOptions { PathLength = double.NaN })).ParamName);
        Assert.Equal("StepSizeJitter", Assert.Throws<ArgumentOutOfRangeException>(() => new StaticHmc(new StaticHmcOptions { StepSizeJitter = 1 })).ParamName);
    }

    /// <summary>
    /// A 1-D density counting its evaluations; with <c>failFrom</c>, the evaluator whose first evaluation is at or
    /// above it throws NotSupportedException on its <c>failAfter</c>-th evaluation (so one chain can be made to fail).
    /// </summary>
    private sealed class CountingDensity(Func<double, double>? logDensity = null, double failFrom = double.PositiveInfinity, int failAfter = int.MaxValue) : ILogDensity
    {
        private readonly Func<double, double> _f = logDensity ?? (x => -0.5 * x * x);
        private readonly double _failFrom = failFrom;
        private readonly int _failAfter = failAfter;
        private int _evaluations;

        public int Dimension => 1;

        public IReadOnlyList<string> CoordinateNames { get; } = ["x[1]"];

        public int Evaluations => _evaluations;

        public Exception? Thrown { get; private set; }

        public ILogDensityEvaluator CreateEvaluator() => new Evaluator(this);

        private sealed class Evaluator(CountingDensity owner) : ILogDensityEvaluator
        {
            private double? _start;
            private int _count;

            public int Dimension => 1;

            public double LogDensity(ReadOnlySpan<double> x) => Evaluate(x[0]);

            public double LogDensityAndGradient(ReadOnlySpan<double> x, Span<double> gradient)
            {
                double v = Evaluate(x[0]);
                const double H = 1e-6;
                gradient[0] = (owner._f(x[0] + H) - owner._f(x[0] - H)) / (2 * H);
                return v;
            }

            public void LogDensityAndGradientBatch(ReadOnlySpan<double> points, Span<double> values, Span<double> gradients)
            {
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = LogDensityAndGradient(points.Slice(i, 1), gradients.Slice(i, 1));
                }
            }

            private double Evaluate(double x)
            {
                Interlocked.Increment(ref owner._evaluations);
                _start ??= x;
                if (_start >= owner._failFrom && ++_count >= owner._failAfter)
                {
                    owner.Thrown = new NotSupportedException(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"evaluation {_count} of the chain started at {_start}"));
                    throw owner.Thrown;
                }

                return owner._f(x);
            }
        }
    }

    private sealed class Cancel(CancellationTokenSource cts, Func<ChainProgress, bool> when) : IProgress<ChainProgress>
    {
        public void Report(ChainProgress value)
        {
            if (when(value))
            {
                cts.Cancel();
            }
        }
    }
}
