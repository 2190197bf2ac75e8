using System.Globalization;
using System.Runtime.CompilerServices;
using Inference.Autodiff;
using Inference.Distributions;
using Inference.Randomness;
using Inference.Transforms;
using Inference.Transforms.Bijectors;

namespace Inference.Modeling;

/// <summary>A location–scale density term of a model whose argument is one of its parameters, as the analysis saw it.</summary>
/// <param name="Parameter">The parameter the term is the density of.</param>
/// <param name="Distribution">"normal" or "Student's t (ν = …)".</param>
/// <param name="NonCentered">Whether the bijector samples this parameter in its non-centered form.</param>
/// <param name="Reason">Why it is, or why it is left alone.</param>
public sealed record LocationScaleSite(string Parameter, string Distribution, bool NonCentered, string Reason);

/// <summary>
/// What <see cref="NonCenteredBijector.Analyze"/> found in a model: its location–scale sites and, when at least one can
/// be non-centered, the bijector that does it.
/// </summary>
public sealed class NonCenteringAnalysis
{
    internal NonCenteringAnalysis(IReadOnlyList<LocationScaleSite> sites, NonCenteredBijector? bijector)
    {
        Sites = sites;
        Bijector = bijector;
    }

    /// <summary>Every location–scale term whose argument is a parameter, in the order the body adds them.</summary>
    public IReadOnlyList<LocationScaleSite> Sites { get; }

    /// <summary>The non-centering bijector; null when no site can be non-centered.</summary>
    public NonCenteredBijector? Bijector { get; }

    /// <summary>The sites in one sentence each.</summary>
    public string Describe() => Sites.Count == 0
        ? "The model has no location–scale density term whose argument is an unconstrained parameter."
        : string.Join(" ", Sites.Select(s => $"'{s.Parameter}' ({s.Distribution}): {s.Reason}"));
}

/// <summary>
/// Automatic non-centering (Gorinova, Moore and Hoffman 2020, "Automatic reparameterisation of probabilistic programs";
/// NumPyro's LocScaleReparam by hand): for each term x ~ Normal(μ, σ) (or Student's t) of a model whose argument x is an
/// unconstrained parameter block and whose μ and σ are functions of other parameters, the map z → u with
/// u_x = μ(u) + σ(u)·z_x, identity elsewhere. The model pulled back through it (NeuTra's construction with this
/// bijector) is the non-centered model: x's term becomes the standard density of z_x. log|det| = Σ log σ exactly.
/// </summary>
/// <remarks>
/// μ and σ are read off the model's own tape: each evaluation runs the body once at z (μ and σ do not depend on any
/// non-centered block, so z and u give them the same values) and takes the term's location and scale nodes. A site whose
/// μ or σ depends on x itself or on another non-centered block, or whose μ and σ are constants (nothing to gain), is left
/// alone; so is a site whose argument is constrained or broadcast.
/// </remarks>
public sealed class NonCenteredBijector : IBijector
{
    private readonly CompiledModel _model;
    private readonly Site[] _sites;
    private readonly bool[] _isSite;
    private readonly ConditionalWeakTable<Tape, Recorder> _recorders = new();

    private NonCenteredBijector(CompiledModel model, Site[] sites)
    {
        _model = model;
        _sites = sites;
        _isSite = new bool[model.Layout.Parameters.Count];
        foreach (var s in sites)
        {
            _isSite[s.Parameter] = true;
        }
    }

    /// <summary>The parameters sampled in their non-centered form.</summary>
    public IReadOnlyList<string> Parameters => _sites.Select(s => _model.Layout.Parameters[s.Parameter].Name).ToArray();

    /// <inheritdoc/>
    public int InputDimension => _model.Dimension;

    /// <inheritdoc/>
    public int OutputDimension => _model.Dimension;

    /// <inheritdoc/>
    public bool HasExactLogDet => true;

    /// <inheritdoc/>
    public bool HasAnalyticInverse => true;

    /// <summary>Reads <paramref name="model"/>'s location–scale sites from its tape and builds the bijector for those that can be non-centered.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    public static NonCenteringAnalysis Analyze(CompiledModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var layout = model.Layout;
        int d = layout.Dimension;
        // a point off every symmetry (a prior's centre, zero) where the body's values are finite in any reasonable model
        var rng = new Rng(0x5eed);
        var point = new double[d];
        for (int i = 0; i < d; i++)
        {
            point[i] = 0.3 * rng.Normal();
        }

        var baseSites = Record(model, point);
        if (baseSites is null)
        {
            return new NonCenteringAnalysis([], null);
        }

        var described = new List<LocationScaleSite>();
        var candidates = new List<Recorded>();
        var seen = new HashSet<int>();
        foreach (var r in baseSites)
        {
            var info = layout.Parameters[r.Parameter];
            string dist = r.Nu == 0 ? "normal" : string.Create(CultureInfo.InvariantCulture, $"Student's t (ν = {r.Nu:G4})");
            string? reason = null;
            if (!seen.Add(r.Parameter))
            {
                reason = "a second location–scale term of the same parameter: only the first is non-centered.";
            }
            else if (!r.LocationVaries && !r.ScaleVaries)
            {
                reason = "location and scale are constants: non-centering would only rescale it, left alone.";
            }
            else if (info.Bijector is not IdentityBijector || info.Constraint is DependentBoundsConstraint)
            {
                reason = $"the parameter is constrained ({info.Constraint}): only unconstrained parameters are non-centered.";
            }
            else if (r.Length != info.Size || r.Rows != 1)
            {
                reason = "the term broadcasts its argument: left alone.";
            }

            if (reason is not null)
            {
                described.Add(new LocationScaleSite(info.Name, dist, false, reason));
            }
            else
            {
                candidates.Add(r);
                described.Add(new LocationScaleSite(info.Name, dist, true, ""));
            }
        }

        // which candidate's μ, σ move when which candidate block moves: one recording per block, that block redrawn
        int n = candidates.Count;
        var depends = new bool[n, n];
        for (int b = 0; b < n; b++)
        {
            var info = layout.Parameters[candidates[b].Parameter];
            var moved = (double[])point.Clone();
            for (int i = 0; i < info.UnconstrainedSize; i++)
            {
                moved[info.UnconstrainedOffset + i] = 1.7 * rng.Normal();
            }

            var again = Record(model, moved);
            for (int a = 0; a < n; a++)
            {
                var match = again?.FirstOrDefault(r => r.Parameter == candidates[a].Parameter);
                depends[a, b] = match is null || !match.Location.AsSpan().SequenceEqual(candidates[a].Location) || !match.Scale.AsSpan().SequenceEqual(candidates[a].Scale);
            }
        }

        var selected = new List<int>();
        for (int a = 0; a < n; a++)
        {
            string name = layout.Parameters[candidates[a].Parameter].Name;
            string? reason = null;
            if (depends[a, a])
            {
                reason = "its location or scale depends on the parameter itself: left alone.";
            }
            else
            {
                foreach (int b in selected)
                {
                    string other = layout.Parameters[candidates[b].Parameter].Name;
                    if (depends[a, b])
                    {
                        reason = $"its location or scale depends on '{other}', which is non-centered: left alone.";
                        break;
                    }

                    if (depends[b, a])
                    {
                        reason = $"the location or scale of '{other}', which is non-centered, depends on it: left alone.";
                        break;
                    }
                }
            }

            int index = described.FindIndex(s => s.Parameter == name && s.NonCentered && s.Reason.Length == 0);
            var site = described[index];
            if (reason is null)
            {
                selected.Add(a);
                var parts = new List<string>();
                if (candidates[a].LocationVaries)
                {
                    parts.Add("location");
                }

                if (candidates[a].ScaleVaries)
                {
                    parts.Add("scale");
                }

                described[index] = site with { Reason = $"its {string.Join(" and ", parts)} depend{(parts.Count == 1 ? "s" : "")} on other parameters only: non-centered ({name} = μ + σ·z)." };
            }
            else
            {
                described[index] = site with { NonCentered = false, Reason = reason };
            }
        }

        if (selected.Count == 0)
        {
            return new NonCenteringAnalysis(described, null);
        }

        var sites = selected.Select(a =>
        {
            var info = layout.Parameters[candidates[a].Parameter];
            return new Site(candidates[a].Parameter, info.UnconstrainedOffset, info.UnconstrainedSize, candidates[a].Nu);
        }).ToArray();
        return new NonCenteringAnalysis(described, new NonCenteredBijector(model, sites));
    }

    /// <inheritdoc/>
    public Var Forward(Var x, out Var logAbsDetJacobian) => Map(x, inverse: false, out logAbsDetJacobian);

    /// <inheritdoc/>
    public Var Inverse(Var y, out Var logAbsDetJacobian) => Map(y, inverse: true, out logAbsDetJacobian);

    private Var Map(Var input, bool inverse, out Var logAbsDetJacobian)
    {
        var tape = input.Tape ?? throw new ArgumentException("The Var is default (not created by a tape).", nameof(input));
        var shape = input.Shape;
        int d = _model.Dimension;
        if (shape == Shape.Vector(d))
        {
            return MapPoint(tape, input, inverse, out logAbsDetJacobian);
        }

        if (shape.Rank != 2 || shape[1] != d)
        {
            throw new ArgumentException($"Expected a vector of {d} coordinates or a [batch, {d}] matrix; got {shape}.", nameof(input));
        }

        // a batch: point by point (each point runs the body once)
        int rows = shape[0];
        var flat = Ops.Reshape(input, Shape.Vector(rows * d));
        var points = new Var[rows];
        var logs = new Var[rows];
        for (int r = 0; r < rows; r++)
        {
            points[r] = MapPoint(tape, Ops.Slice(flat, r * d, d), inverse, out var ld);
            logs[r] = Ops.Reshape(ld, Shape.Vector(1));
        }

        logAbsDetJacobian = rows == 1 ? logs[0] : Ops.Concat(logs);
        var all = rows == 1 ? points[0] : Ops.Concat(points);
        return Ops.Reshape(all, shape);
    }

    // forward: u_x = μ + σ·z_x; inverse: z_x = (u_x − μ)/σ; μ and σ from the body run at the input (they do not depend on
    // any non-centered block, where the input and its image differ)
    private Var MapPoint(Tape tape, Var input, bool inverse, out Var logAbsDetJacobian)
    {
        var recorder = _recorders.GetValue(tape, t => new Recorder(t, _model));
        var (locations, scales) = recorder.Run(input, _sites, _model);
        var layout = _model.Layout;
        var parts = new List<Var>(layout.Parameters.Count);
        Var? logDet = null;
        double constantLogDet = 0;
        int pending = 0, pendingSize = 0;
        for (int p = 0; p < layout.Parameters.Count; p++)
        {
            var info = layout.Parameters[p];
            if (!_isSite[p])
            {
                // runs of identity blocks become one slice
                if (pendingSize == 0)
                {
                    pending = info.UnconstrainedOffset;
                }

                pendingSize += info.UnconstrainedSize;
                continue;
            }

            if (pendingSize > 0)
            {
                parts.Add(Ops.Slice(input, pending, pendingSize));
                pendingSize = 0;
            }

            int s = Array.FindIndex(_sites, q => q.Parameter == p);
            var block = Ops.Slice(input, info.UnconstrainedOffset, info.UnconstrainedSize);
            Arg mu = locations[s], sigma = scales[s];
            Var mapped;
            if (!inverse)
            {
                var scaled = sigma.IsVar ? block * sigma.Variable : block * sigma.ConstantValue;
                mapped = mu.IsVar ? scaled + mu.Variable : scaled + mu.ConstantValue;
            }
            else
            {
                var centred = mu.IsVar ? block - mu.Variable : block - mu.ConstantValue;
                mapped = sigma.IsVar ? centred / sigma.Variable : centred * (1 / sigma.ConstantValue);
            }

            parts.Add(mapped);
            if (sigma.IsVar)
            {
                var logs = Ops.Sum(Ops.Log(sigma.Variable));
                int length = sigma.Variable.Shape.Length;
                if (length != info.UnconstrainedSize)
                {
                    logs = logs * (double)(info.UnconstrainedSize / length);
                }

                logDet = logDet is null ? logs : logDet + logs;
            }
            else
            {
                constantLogDet += info.UnconstrainedSize * Math.Log(sigma.ConstantValue);
            }
        }

        if (pendingSize > 0)
        {
            parts.Add(Ops.Slice(input, pending, pendingSize));
        }

        Var total = logDet is not { } varying ? tape.Constant(constantLogDet) : (constantLogDet == 0 ? varying : varying + constantLogDet);
        logAbsDetJacobian = inverse ? -total : total;
        return parts.Count == 1 ? parts[0] : Ops.Concat(parts.ToArray());
    }

    private readonly record struct Site(int Parameter, int Offset, int Size, double Nu);

    private sealed record Recorded(int Parameter, double Nu, int Length, int Rows, bool LocationVaries, bool ScaleVaries, double[] Location, double[] Scale);

    // one evaluation of the body on a tape of its own, the position a variable (so that a node depending on any
    // parameter requires a gradient); null when the body cannot be evaluated there
    private static List<Recorded>? Record(CompiledModel model, double[] point)
    {
        var tape = new Tape();
        using var session = tape.Begin();
        var context = new ModelContext(tape);
        context.Attach(model.Layout);
        var ids = new int[model.Layout.Parameters.Count];
        Array.Fill(ids, -1);
        context.DeclaredIds = ids;
        var position = tape.Variable(point);
        int start = tape.Count;
        try
        {
            context.Begin(position);
            model.Model.Body(context);
            context.End();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return null;
        }

        var found = new List<Recorded>();
        for (int id = start; id < tape.Count; id++)
        {
            ref NodeRecord node = ref tape.Node(id);
            if (!Ops.IsLocationScaleDensity(node.Op))
            {
                continue;
            }

            int p = Array.IndexOf(ids, node.In0);
            if (p < 0)
            {
                continue;
            }

            bool locVaries = node.In1 >= 0 && tape.Node(node.In1).RequiresGrad;
            bool scaleVaries = node.In2 >= 0 && tape.Node(node.In2).RequiresGrad;
            double[] loc = node.In1 >= 0 ? tape.V(node.In1).ToArray() : [node.S0];
            double[] scale = node.In2 >= 0 ? tape.V(node.In2).ToArray() : [node.S1];
            found.Add(new Recorded(p, node.S2, node.Shape.Length / Math.Max(1, node.I0), node.I0, locVaries, scaleVaries, loc, scale));
        }

        return found;
    }

    // the body's run on one tape (the caller's): a context attached to the model, its declared ids read after each run
    private sealed class Recorder
    {
        private readonly ModelContext _context;
        private readonly int[] _ids;
        private readonly Tape _tape;

        public Recorder(Tape tape, CompiledModel model)
        {
            _tape = tape;
            _context = new ModelContext(tape);
            _context.Attach(model.Layout);
            _ids = new int[model.Layout.Parameters.Count];
            _context.DeclaredIds = _ids;
        }

        public (Arg[] Locations, Arg[] Scales) Run(Var position, Site[] sites, CompiledModel model)
        {
            Array.Fill(_ids, -1);
            int start = _tape.Count;
            _context.Begin(position);
            model.Model.Body(_context);
            _context.End();
            var locations = new Arg[sites.Length];
            var scales = new Arg[sites.Length];
            for (int s = 0; s < sites.Length; s++)
            {
                int x = _ids[sites[s].Parameter];
                int found = -1;
                for (int id = start; id < _tape.Count && found < 0; id++)
                {
                    ref NodeRecord node = ref _tape.Node(id);
                    if (node.In0 == x && Ops.IsLocationScaleDensity(node.Op) && node.S2 == sites[s].Nu)
                    {
                        found = id;
                    }
                }

                if (found < 0)
                {
                    throw new InvalidOperationException($"Model '{model.Model.Name}' no longer adds the location–scale term of '{model.Layout.Parameters[sites[s].Parameter].Name}' that its non-centering was built on: a body must add the same terms at every evaluation.");
                }

                ref NodeRecord site = ref _tape.Node(found);
                locations[s] = site.In1 >= 0 ? Arg.FromVar(_tape.Wrap(site.In1)) : Arg.FromDouble(site.S0);
                scales[s] = site.In2 >= 0 ? Arg.FromVar(_tape.Wrap(site.In2)) : Arg.FromDouble(site.S1);
            }

            return (locations, scales);
        }
    }
}
