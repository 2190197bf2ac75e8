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

        public PhasePoint Forward { get; }

        public PhasePoint Backward { get; }

        // the sample and the proposal trade places (references) instead of copying a proposal that is taken
#pragma warning disable SA1401, CA1051 // swapped by reference in the tree builder's hot path
        public PhasePoint Sample;

        public PhasePoint Propose;
#pragma warning restore SA1401, CA1051

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

#pragma warning disable SA1401, CA1051 // swapped by reference with the caller's proposal when the final half's is taken
        public PhasePoint ProposeFinal = new(d);
#pragma warning restore SA1401, CA1051
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
            // the momentum is drawn into the forward end; the backward end and the sample start as copies of it (the
            // trajectory is integrated in place at its two ends; the proposal is always written before it is read)
            var forward = w.Forward;
            SmallVector.Copy(state.Position, forward.Position);
            SmallVector.Copy(state.Gradient, forward.Gradient);
            forward.LogDensity = state.LogDensity;
            _metric.SampleMomentum(_rng, forward.Momentum, w.Scratch);
            _metric.Velocity(forward.Momentum, forward.Velocity);
            w.Backward.CopyFrom(forward);
            w.Sample.CopyFrom(forward);
            StartBuffers(w, forward.Momentum, forward.Velocity);

            double logSumWeight = 0;
            double h0 = forward.Hamiltonian;
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
                    // extend forward from the forward end (integrated in place)
                    SmallVector.Copy(w.Rho, w.RhoBackward);
                    SmallVector.Copy(w.PFwdBck, w.PBckFwd);
                    SmallVector.Copy(w.PSharpFwdBck, w.PSharpBckFwd);
                    validSubtree = BuildTree(depth, w.Forward, ref w.Propose, w.PSharpFwdBck, w.PSharpFwdFwd, w.RhoForward, w.PFwdBck, w.PFwdFwd, h0, 1, ref nLeapfrog, ref logSumWeightSubtree, ref sumMetroProb, ref divergent);
                }
                else
                {
                    SmallVector.Copy(w.Rho, w.RhoForward);
                    SmallVector.Copy(w.PBckFwd, w.PFwdBck);
                    SmallVector.Copy(w.PSharpBckFwd, w.PSharpFwdBck);
                    validSubtree = BuildTree(depth, w.Backward, ref w.Propose, w.PSharpBckFwd, w.PSharpBckBck, w.RhoBackward, w.PBckFwd, w.PBckBck, h0, -1, ref nLeapfrog, ref logSumWeightSubtree, ref sumMetroProb, ref divergent);
                }

                if (!validSubtree)
                {
                    break;
                }

                depth++;
                // biased progressive sampling at the top level
                if (logSumWeightSubtree > logSumWeight || _rng.NextDouble() < Math.Exp(logSumWeightSubtree - logSumWeight))
                {
                    (w.Sample, w.Propose) = (w.Propose, w.Sample);
                }

                logSumWeight = LogSumExp(logSumWeight, logSumWeightSubtree);

                // ρ = ρ_bck + ρ_fwd, then the three U-turn checks
                Add(w.RhoBackward, w.RhoForward, w.Rho);
                // (a check whose verdict cannot change the outcome is skipped: the checks have no side effects)
                if (!Criterion(w.PSharpBckBck, w.PSharpFwdFwd, w.Rho))
                {
                    break;
                }

                Add(w.RhoBackward, w.PFwdBck, w.RhoExtended);
                if (!Criterion(w.PSharpBckBck, w.PSharpFwdBck, w.RhoExtended))
                {
                    break;
                }

                Add(w.RhoForward, w.PBckFwd, w.RhoExtended);
                if (!Criterion(w.PSharpBckFwd, w.PSharpFwdFwd, w.RhoExtended))
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
        private bool BuildTree(int depth, PhasePoint z, ref PhasePoint zPropose, double[] pSharpBeg, double[] pSharpEnd, double[] rho, double[] pBeg, double[] pEnd, double h0, int sign, ref int nLeapfrog, ref double logSumWeight, ref double sumMetroProb, ref bool divergent)
        {
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
                Leaf(z, zPropose, pSharpBeg, pSharpEnd, rho, pBeg, pEnd);
                return !divergent;
            }

            var level = _w.Levels[depth];

            // the initial half
            double logSumWeightInit = double.NegativeInfinity;
            Array.Clear(level.RhoInit);
            bool validInit = BuildTree(depth - 1, z, ref zPropose, pSharpBeg, level.PSharpInitEnd, level.RhoInit, pBeg, level.PInitEnd, h0, sign, ref nLeapfrog, ref logSumWeightInit, ref sumMetroProb, ref divergent);
            if (!validInit)
            {
                return false;
            }

            // the final half (its proposal is written by its first leaf before anything reads it)
            double logSumWeightFinal = double.NegativeInfinity;
            Array.Clear(level.RhoFinal);
            bool validFinal = BuildTree(depth - 1, z, ref level.ProposeFinal, level.PSharpFinalBeg, pSharpEnd, level.RhoFinal, level.PFinalBeg, pEnd, h0, sign, ref nLeapfrog, ref logSumWeightFinal, ref sumMetroProb, ref divergent);
            if (!validFinal)
            {
                return false;
            }

            // uniform multinomial merge inside the subtree
            double logSumWeightSubtree = LogSumExp(logSumWeightInit, logSumWeightFinal);
            logSumWeight = LogSumExp(logSumWeight, logSumWeightSubtree);
            if (logSumWeightFinal > logSumWeightSubtree || _rng.NextDouble() < Math.Exp(logSumWeightFinal - logSumWeightSubtree))
            {
                (zPropose, level.ProposeFinal) = (level.ProposeFinal, zPropose);
            }

            // ρ_subtree = ρ_init + ρ_final, accumulated into the caller's ρ
            var rhoSubtree = level.RhoExtended;
            Add(level.RhoInit, level.RhoFinal, rhoSubtree);
            bool persist = Criterion(pSharpBeg, pSharpEnd, rhoSubtree);
            Add(rho, rhoSubtree, rho);
            if (!persist)
            {
                return false;
            }

            // U-turns between the two halves (the second is not needed once the first has stopped the tree)
            Add(level.RhoInit, level.PFinalBeg, rhoSubtree);
            if (!Criterion(pSharpBeg, level.PSharpFinalBeg, rhoSubtree))
            {
                return false;
            }

            Add(level.RhoFinal, level.PInitEnd, rhoSubtree);
            return Criterion(level.PSharpInitEnd, pSharpEnd, rhoSubtree);
        }

        // a leaf's bookkeeping in one pass: the proposal is the new point; its momentum and velocity are both ends of
        // the one-point subtree, and its momentum is added to the caller's ρ
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Leaf(PhasePoint z, PhasePoint zPropose, double[] pSharpBeg, double[] pSharpEnd, double[] rho, double[] pBeg, double[] pEnd)
        {
            var x = z.Position;
            var g = z.Gradient;
            var p = z.Momentum;
            var v = z.Velocity;
            var xo = zPropose.Position;
            var go = zPropose.Gradient;
            var po = zPropose.Momentum;
            var vo = zPropose.Velocity;
            int d = x.Length;
            if (g.Length != d || p.Length != d || v.Length != d || xo.Length != d || go.Length != d || po.Length != d || vo.Length != d
                || pSharpBeg.Length != d || pSharpEnd.Length != d || rho.Length != d || pBeg.Length != d || pEnd.Length != d)
            {
                throw new InvalidOperationException("The tree's buffers differ in length.");
            }

            for (int i = 0; i < d; i++)
            {
                double pi = p[i], vi = v[i];
                xo[i] = x[i];
                go[i] = g[i];
                po[i] = pi;
                vo[i] = vi;
                pSharpBeg[i] = vi;
                pSharpEnd[i] = vi;
                rho[i] += pi;
                pBeg[i] = pi;
                pEnd[i] = pi;
            }

            zPropose.LogDensity = z.LogDensity;
        }

        // the buffers of a new trajectory: every end's momentum and velocity, and ρ, are the initial point's
        private static void StartBuffers(Workspace w, double[] p, double[] v)
        {
            int d = p.Length;
            double[] pff = w.PFwdFwd, sff = w.PSharpFwdFwd, pfb = w.PFwdBck, sfb = w.PSharpFwdBck, pbf = w.PBckFwd, sbf = w.PSharpBckFwd, pbb = w.PBckBck, sbb = w.PSharpBckBck, rho = w.Rho;
            if (v.Length != d || pff.Length != d || sff.Length != d || pfb.Length != d || sfb.Length != d || pbf.Length != d || sbf.Length != d || pbb.Length != d || sbb.Length != d || rho.Length != d)
            {
                throw new InvalidOperationException("The tree's buffers differ in length.");
            }

            for (int i = 0; i < d; i++)
            {
                double pi = p[i], vi = v[i];
                pff[i] = pi;
                sff[i] = vi;
                pfb[i] = pi;
                sfb[i] = vi;
                pbf[i] = pi;
                sbf[i] = vi;
                pbb[i] = pi;
                sbb[i] = vi;
                rho[i] = pi;
            }
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
