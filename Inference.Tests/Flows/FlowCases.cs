using Inference.Flows.Bijectors;
using Inference.Flows.Modules;
using Inference.Randomness;

namespace Inference.Tests.Flows;

/// <summary>
/// Supplies flow layers to the conformance suite and the save/load round trip. A new layer's test file adds a class
/// implementing this; <see cref="FlowCases"/> finds every such class by reflection, and a test fails when a concrete
/// <see cref="FlowBijector"/> of the library appears in no case.
/// </summary>
public interface IFlowCaseSource
{
    IEnumerable<FlowCaseDefinition> Cases { get; }
}

/// <summary>
/// One conformance case: a layer built by <paramref name="Create"/> (dimension, generator) at each of
/// <paramref name="Dimensions"/>, with its parameters pushed off their initialization by <paramref name="Push"/>·N(0, 1).
/// </summary>
/// <param name="RoundTripTolerance">1e-10, or 1e-8 for layers inverted by fixed-point iteration.</param>
/// <param name="GradientStep">The finite-difference step of the gradient checks.</param>
/// <param name="ContextDimension">For a conditional layer, the width of its context (drawn once per case).</param>
public sealed record FlowCaseDefinition(
    string Name,
    Func<int, Rng, FlowBijector> Create,
    int[] Dimensions,
    double Push = 0.3,
    double RoundTripTolerance = 1e-10,
    double GradientStep = 1e-5,
    int ContextDimension = 0);

/// <summary>The registry of every <see cref="IFlowCaseSource"/> in this assembly, and the helpers the suites share.</summary>
public static class FlowCases
{
    private static readonly Lazy<Dictionary<string, FlowCaseDefinition>> Registry = new(Discover);

    public static IReadOnlyDictionary<string, FlowCaseDefinition> All => Registry.Value;

    private static Dictionary<string, FlowCaseDefinition> Discover()
    {
        var result = new Dictionary<string, FlowCaseDefinition>(StringComparer.Ordinal);
        foreach (var type in typeof(FlowCases).Assembly.GetTypes().Where(t => !t.IsAbstract && !t.IsInterface && typeof(IFlowCaseSource).IsAssignableFrom(t)))
        {
            var source = (IFlowCaseSource)Activator.CreateInstance(type)!;
            foreach (var c in source.Cases)
            {
                if (!result.TryAdd(c.Name, c))
                {
                    throw new InvalidOperationException($"Two flow cases are named \"{c.Name}\".");
                }
            }
        }

        return result;
    }

    /// <summary>(name, dimension) for every case and dimension, as xunit theory data.</summary>
    public static TheoryData<string, int> Theory(Func<FlowCaseDefinition, bool>? where = null)
    {
        var data = new TheoryData<string, int>();
        foreach (var c in All.Values.OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            if (where?.Invoke(c) ?? true)
            {
                foreach (int d in c.Dimensions)
                {
                    data.Add(c.Name, d);
                }
            }
        }

        return data;
    }

    /// <summary>The case's layer at dimension <paramref name="d"/>, parameters pushed off their initialization, ActNorms marked initialized.</summary>
    public static FlowBijector Make(string name, int d, int seed)
    {
        var c = All[name];
        var rng = new Rng(seed);
        var flow = c.Create(d, rng);
        foreach (var p in flow.Parameters())
        {
            for (int i = 0; i < p.Value.Length; i++)
            {
                p.Value[i] += c.Push * rng.Normal();
            }
        }

        foreach (var norm in Layers(flow).OfType<ActNorm>())
        {
            norm.MarkInitialized();
        }

        // one evaluation without gradients: layers that refresh state when their parameters change (spectral
        // normalization) then hold the exact state for the pushed parameters before any test records a gradient
        var tape = new Tape();
        using (tape.NoGrad())
        {
            var x = tape.Constant(new double[d]);
            _ = flow.IsConditional ? flow.Forward(x, tape.Constant(Context(name)), out _) : flow.Forward(x, out _);
        }

        return flow;
    }

    public static FlowBijector Make(string name, int d) => Make(name, d, Seeds.OpInputs + d);

    /// <summary>A fixed context for a conditional case (empty for an unconditional one).</summary>
    public static double[] Context(string name, int seed = 17)
    {
        var context = new double[All[name].ContextDimension];
        new Rng(seed).Normal(context);
        return context;
    }

    /// <summary>Standard normal inputs, scaled up for some seeds so that spline inputs reach the linear tails.</summary>
    public static double[] Input(int d, int seed)
    {
        var rng = new Rng(seed);
        var x = new double[d];
        rng.Normal(x);
        for (int i = 0; i < d; i++)
        {
            x[i] *= 1 + (seed % 3);
        }

        return x;
    }

    /// <summary>The flow and every flow layer nested in it (through any module).</summary>
    public static IEnumerable<FlowBijector> Layers(Module module)
    {
        if (module is FlowBijector self)
        {
            yield return self;
        }

        foreach (var (_, child) in module.NamedChildren())
        {
            foreach (var layer in Layers(child))
            {
                yield return layer;
            }
        }
    }

    /// <summary>Every public concrete flow layer type of the library.</summary>
    public static IEnumerable<Type> LibraryLayerTypes() =>
        typeof(FlowBijector).Assembly.GetExportedTypes().Where(t => !t.IsAbstract && typeof(FlowBijector).IsAssignableFrom(t));
}
