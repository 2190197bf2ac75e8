using System.Runtime.CompilerServices;
using Inference.Densities;
using Inference.Randomness;
using Inference.Samplers.Hamiltonian;

namespace Inference.Samplers.Kernels;

/// <summary>Options of the No-U-Turn sampler.</summary>
public sealed class NutsOptions
{
    /// <summary>Maximum tree depth (at most 2^depth − 1 leapfrog steps); Stan's default is 10.</summary>
    public int MaxTreeDepth { get; init; } = 10;

    /// <summary>Energy error above which a trajectory counts as divergent; Stan's default is 1000.</summary>
    public double MaxDeltaH { get; init; } = 1000;

    /// <summary>Checks the options.</summary>
    public void Validate()
    {
        if (MaxTreeDepth is < 1 or > 30)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxTreeDepth), MaxTreeDepth, "Must be in [1, 30].");
        }

        if (!(MaxDeltaH > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDeltaH), MaxDeltaH, "Must be positive.");
        }
    }
}

/// <summary>
/// The No-U-Turn sampler as Stan implements it (base_nuts): multinomial sampling over the trajectory,
/// the generalized no-U-turn criterion with the two extra checks across subtrees, biased progressive
/// sampling at the top level and uniform merging inside subtrees, divergence when the energy error
/// exceeds <see cref="NutsOptions.MaxDeltaH"/> (a NaN energy counts as divergent).
/// </summary>
public sealed class Nuts : IMcmcKernel
{
    private readonly NutsOptions _options;

    /// <summary>Creates the kernel.</summary>
    public Nuts(NutsOptions? options = null)
    {
        _options = options ?? new NutsOptions();
        _options.Validate();
        Info = new KernelInfo("nuts", 0.8, _options.MaxTreeDepth);
    }

    /// <inheritdoc/>
    public KernelInfo Info { get; }

    /// <summary>The options.</summary>
    public NutsOptions Options => _options;

    /// <inheritdoc/>
    public IChainKernel CreateChain(int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        return new Chain(new Workspace(dimension, _options.MaxTreeDepth), _options);
    }

    private sealed class Chain(Workspace workspace, NutsOptions options) : IChainKernel
    {
        public Transition Move(PhasePoint state, ILogDensityEvaluator target, KernelParameters parameters, Rng rng)
        {
            ArgumentNullException.ThrowIfNull(state);
            ArgumentNullException.ThrowIfNull(target);
            ArgumentNullException.ThrowIfNull(parameters);
            ArgumentNullException.ThrowIfNull(rng);
            var run = new TreeBuilder(workspace, target, parameters.Metric, parameters.StepSize, rng, options.MaxDeltaH);
            return run.Transition(state, options.MaxTreeDepth);
        }
    }

    internal sealed class Workspace
    {
        public Workspace(int d, int maxDepth)
        {
            Dimension = d;
            Z = new PhasePoint(d);
            Forward = new PhasePoint(d);
            Backward = new PhasePoint(d);
            Sample = new PhasePoint(d);
            Propose = new PhasePoint(d);
            Scratch = new double[d];
            Rho = new double[d];
            RhoForward = new double[d];
            RhoBackward = new double[d];
            RhoExtended = new double[d];
            PFwdFwd = new double[d];
            PSharpFwdFwd = new double[d];
            PFwdBck = new double[d];
            PSharpFwdBck = new double[d];
            PBckFwd = new double[d];
            PSharpBckFwd = new double[d];
            PBckBck = new double[d];
            PSharpBckBck = new double[d];
            Levels = new Level[maxDepth + 1];
            for (int k = 0; k <= maxDepth; k++)
            {
                Levels[k] = new Level(d);
            }
        }

        public int Dimension { get; }

        public PhasePoint Z { get; }

        public PhasePoint Forward { get; }

        public PhasePoint Backward { get; }

        public PhasePoint Sample { get; }

        public PhasePoint Propose { get; }

        public double[] Scratch { get; }

        public double[] Rho { get; }

        public double[] RhoForward { get; }

        public double[] RhoBackward { get; }

        public double[] RhoExtended { get; }

        public double[] PFwdFwd { get; }

        public double[] PSharpFwdFwd { get; }

        public double[] PFwdBck { get; }

        public double[] PSharpFwdBck { get; }

        public double[] PBckFwd { get; }

        public double[] PSharpBckFwd { get; }

        public double[] PBckBck { get; }

        public double[] PSharpBckBck { get; }

        public Level[] Levels { get; }
    }

    /// <summary>Buffers a subtree of a given depth uses for its two halves.</summary>
    internal sealed class Level(int d)
    {
        public double[] PInitEnd { get; } = new double[d];

        public double[] PSharpInitEnd { get; } = new double[d];

        public double[] RhoInit { get; } = new double[d];

        public double[] PFinalBeg { get; } = new double[d];

        public double[] PSharpFinalBeg { get; } = new double[d];

        public double[] RhoFinal { get; } = new double[d];

        public double[] RhoExtended { get; } = new double[d];

        public PhasePoint ProposeFinal { get; } = new(d);
    }

    private readonly ref struct TreeBuilder
    {
        private readonly Workspace _w;
        private readonly ILogDensityEvaluator _target;
        private readonly Metric _metric;
        private readonly double _eps;
        private readonly Rng _rng;
        private readonly double _maxDeltaH;

        public TreeBuilder(Workspace w, ILogDensityEvaluator target, Metric metric, double eps, Rng rng, double maxDeltaH)
        {
            _w = w;
            _target = target;
            _metric = metric;
            _eps = eps;
            _rng = rng;
            _maxDeltaH = maxDeltaH;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public Transition Transition(PhasePoint state, int maxDepth)
        {
            var w = _w;
            var z = w.Z;
            z.CopyFrom(state);
            _metric.SampleMomentum(_rng, z.Momentum, w.Scratch);
            _metric.Velocity(z.Momentum, z.Velocity);
            w.Forward.CopyFrom(z);
            w.Backward.CopyFrom(z);
            w.Sample.CopyFrom(z);
            w.Propose.CopyFrom(z);

            SmallVector.Copy(z.Momentum, w.PFwdFwd);
            SmallVector.Copy(z.Velocity, w.PSharpFwdFwd);
            SmallVector.Copy(z.Momentum, w.PFwdBck);
            SmallVector.Copy(z.Velocity, w.PSharpFwdBck);
            SmallVector.Copy(z.Momentum, w.PBckFwd);
            SmallVector.Copy(z.Velocity, w.PSharpBckFwd);
            SmallVector.Copy(z.Momentum, w.PBckBck);
            SmallVector.Copy(z.Velocity, w.PSharpBckBck);
            SmallVector.Copy(z.Momentum, w.Rho);

            double logSumWeight = 0;
            double h0 = z.Hamiltonian;
            int nLeapfrog = 0;
            double sumMetroProb = 0;
            int depth = 0;
            bool divergent = false;

            while (depth < maxDepth)
            {
                Array.Clear(w.RhoForward);
                Array.Clear(w.RhoBackward);
                bool validSubtree;
                double logSumWeightSubtree = double.NegativeInfinity;
                if (_rng.NextDouble() > 0.5)
                {
                    // extend forward from the forward end
                    z.CopyFrom(w.Forward);
                    SmallVector.Copy(w.Rho, w.RhoBackward);
                    SmallVector.Copy(w.PFwdBck, w.PBckFwd);
                    SmallVector.Copy(w.PSharpFwdBck, w.PSharpBckFwd);
                    validSubtree = BuildTree(depth, w.Propose, w.PSharpFwdBck, w.PSharpFwdFwd, w.RhoForward, w.PFwdBck, w.PFwdFwd, h0, 1, ref nLeapfrog, ref logSumWeightSubtree, ref sumMetroProb, ref divergent);
                    w.Forward.CopyFrom(z);
                }
                else
                {
                    z.CopyFrom(w.Backward);
                    SmallVector.Copy(w.Rho, w.RhoForward);
                    SmallVector.Copy(w.PBckFwd, w.PFwdBck);
                    SmallVector.Copy(w.PSharpBckFwd, w.PSharpFwdBck);
                    validSubtree = BuildTree(depth, w.Propose, w.PSharpBckFwd, w.PSharpBckBck, w.RhoBackward, w.PBckFwd, w.PBckBck, h0, -1, ref nLeapfrog, ref logSumWeightSubtree, ref sumMetroProb, ref divergent);
                    w.Backward.CopyFrom(z);
                }

                if (!validSubtree)
                {
                    break;
                }

                depth++;
                // biased progressive sampling at the top level
                if (logSumWeightSubtree > logSumWeight)
                {
                    w.Sample.CopyFrom(w.Propose);
                }
                else if (_rng.NextDouble() < Math.Exp(logSumWeightSubtree - logSumWeight))
                {
                    w.Sample.CopyFrom(w.Propose);
                }

                logSumWeight = LogSumExp(logSumWeight, logSumWeightSubtree);

                // ρ = ρ_bck + ρ_fwd, then the three U-turn checks
                Add(w.RhoBackward, w.RhoForward, w.Rho);
                bool persist = Criterion(w.PSharpBckBck, w.PSharpFwdFwd, w.Rho);
                Add(w.RhoBackward, w.PFwdBck, w.RhoExtended);
                persist &= Criterion(w.PSharpBckBck, w.PSharpFwdBck, w.RhoExtended);
                Add(w.RhoForward, w.PBckFwd, w.RhoExtended);
                persist &= Criterion(w.PSharpBckFwd, w.PSharpFwdFwd, w.RhoExtended);
                if (!persist)
                {
                    break;
                }
            }

            state.CopyFrom(w.Sample);
            return new Transition(
                w.Sample.LogDensity,
                nLeapfrog == 0 ? 0 : sumMetroProb / nLeapfrog,
                _eps,
                depth,
                nLeapfrog,
                divergent,
                w.Sample.Hamiltonian);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private bool BuildTree(int depth, PhasePoint zPropose, double[] pSharpBeg, double[] pSharpEnd, double[] rho, double[] pBeg, double[] pEnd, double h0, int sign, ref int nLeapfrog, ref double logSumWeight, ref double sumMetroProb, ref bool divergent)
        {
            var z = _w.Z;
            if (depth == 0)
            {
                Integrator.Leapfrog(z, _target, _metric, sign * _eps);
                nLeapfrog++;
                double h = z.Hamiltonian;
                if (h - h0 > _maxDeltaH)
                {
                    divergent = true;
                }

                logSumWeight = LogSumExp(logSumWeight, h0 - h);
                sumMetroProb += h0 - h > 0 ? 1 : Math.Exp(h0 - h);
                zPropose.CopyFrom(z);
                SmallVector.Copy(z.Velocity, pSharpBeg);
                SmallVector.Copy(z.Velocity, pSharpEnd);
                Add(rho, z.Momentum, rho);
                SmallVector.Copy(z.Momentum, pBeg);
                SmallVector.Copy(z.Momentum, pEnd);
                return !divergent;
            }

            var level = _w.Levels[depth];

            // the initial half
            double logSumWeightInit = double.NegativeInfinity;
            Array.Clear(level.RhoInit);
            bool validInit = BuildTree(depth - 1, zPropose, pSharpBeg, level.PSharpInitEnd, level.RhoInit, pBeg, level.PInitEnd, h0, sign, ref nLeapfrog, ref logSumWeightInit, ref sumMetroProb, ref divergent);
            if (!validInit)
            {
                return false;
            }

            // the final half
            var proposeFinal = level.ProposeFinal;
            proposeFinal.CopyFrom(z);
            double logSumWeightFinal = double.NegativeInfinity;
            Array.Clear(level.RhoFinal);
            bool validFinal = BuildTree(depth - 1, proposeFinal, level.PSharpFinalBeg, pSharpEnd, level.RhoFinal, level.PFinalBeg, pEnd, h0, sign, ref nLeapfrog, ref logSumWeightFinal, ref sumMetroProb, ref divergent);
            if (!validFinal)
            {
                return false;
            }

            // uniform multinomial merge inside the subtree
            double logSumWeightSubtree = LogSumExp(logSumWeightInit, logSumWeightFinal);
            logSumWeight = LogSumExp(logSumWeight, logSumWeightSubtree);
            if (logSumWeightFinal > logSumWeightSubtree)
            {
                zPropose.CopyFrom(proposeFinal);
            }
            else if (_rng.NextDouble() < Math.Exp(logSumWeightFinal - logSumWeightSubtree))
            {
                zPropose.CopyFrom(proposeFinal);
            }

            // ρ_subtree = ρ_init + ρ_final, accumulated into the caller's ρ
            var rhoSubtree = level.RhoExtended;
            Add(level.RhoInit, level.RhoFinal, rhoSubtree);
            bool persist = Criterion(pSharpBeg, pSharpEnd, rhoSubtree);
            Add(rho, rhoSubtree, rho);

            // U-turns between the two halves
            Add(level.RhoInit, level.PFinalBeg, rhoSubtree);
            persist &= Criterion(pSharpBeg, level.PSharpFinalBeg, rhoSubtree);
            Add(level.RhoFinal, level.PInitEnd, rhoSubtree);
            persist &= Criterion(level.PSharpInitEnd, pSharpEnd, rhoSubtree);
            return persist;
        }

        private static bool Criterion(double[] pSharpMinus, double[] pSharpPlus, double[] rho) =>
            System.Numerics.Tensors.TensorPrimitives.Dot(pSharpPlus, rho) > 0 && System.Numerics.Tensors.TensorPrimitives.Dot(pSharpMinus, rho) > 0;

        private static void Add(double[] a, double[] b, double[] destination) => SmallVector.Add(a, b, destination);

        private static double LogSumExp(double a, double b)
        {
            if (double.IsNegativeInfinity(a))
            {
                return b;
            }

            if (double.IsNegativeInfinity(b))
            {
                return a;
            }

            double m = Math.Max(a, b);
            return m + Math.Log(Math.Exp(a - m) + Math.Exp(b - m));
        }
    }
}
