using System.Globalization;
using System.Text.RegularExpressions;
using Inference.Autodiff;
using Inference.Diagnostics;
using Inference.Results;
using PureHDF;

namespace Inference.ArviZ;

/// <summary>What to write beside the posterior draws.</summary>
public sealed class InferenceDataOptions
{
    /// <summary>The pointwise log-likelihood (for arviz.loo), written to the log_likelihood group.</summary>
    public PointwiseLogLikelihood? LogLikelihood { get; init; }

    /// <summary>The name of the observed variable the log-likelihood belongs to (its variable in log_likelihood).</summary>
    public string LogLikelihoodName { get; init; } = "y";

    /// <summary>Observed data by name, written to the observed_data group (for example a compiled model's <c>Data</c>).</summary>
    public IReadOnlyDictionary<string, Tensor>? ObservedData { get; init; }

    /// <summary>Whether to write the saved warmup draws as warmup_posterior (when the run saved them).</summary>
    public bool IncludeWarmup { get; init; } = true;
}

/// <summary>
/// Writes draws as ArviZ's InferenceData: a netCDF4 (HDF5) file with the groups posterior, sample_stats (ArviZ's
/// names: lp, acceptance_rate, step_size, tree_depth, n_steps, diverging, energy), log_likelihood, observed_data and
/// warmup_posterior, each variable with dimensions (chain, draw, name_dim_0, …) and integer coordinates, so
/// <c>arviz.from_netcdf(path)</c> opens it. Stan-style columns (theta[1], L[2,1]) become arrays again.
/// The file is written whole or not at all.
/// </summary>
public static partial class InferenceDataWriter
{
    // H5DSis_scale (HDF5 1.10, which netCDF-C uses to find dimensions) accepts the CLASS attribute only as a fixed-length
    // string of 16 bytes: every string attribute in the file is therefore written with that length, and kept short.
    private const int StringLength = 16;

    [GeneratedRegex(@"^(?<name>[^\[\]]+)(\[(?<index>[0-9]+(,[0-9]+)*)\])?$")]
    private static partial Regex ColumnName();

    /// <summary>Writes <paramref name="draws"/> to <paramref name="path"/> (use the extension .nc).</summary>
    /// <exception cref="ArgumentException">No chain has draws, or the log-likelihood does not match the draws.</exception>
    public static void Write(PosteriorDraws draws, string path, InferenceDataOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(draws);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        options ??= new InferenceDataOptions();
        var chains = draws.DiagnosedChains;
        int n = draws.CommonDraws;
        if (chains.Count == 0 || n == 0)
        {
            throw new ArgumentException("The draws hold no draw to write.", nameof(draws));
        }

        var file = new H5File
        {
            ["posterior"] = Posterior(draws.Names, chains.Select(c => (draws.Chains[c].Values, n)).ToArray(), draws.Names.Count),
            ["sample_stats"] = SampleStats(draws, chains, n),
        };
        file.Attributes["library"] = "Inference";
        if (options.LogLikelihood is { } ll)
        {
            if (ll.Chains != chains.Count || ll.DrawsPerChain != n)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The log-likelihood has {ll.Chains} chains of {ll.DrawsPerChain} draws; the draws have {chains.Count} of {n}."), nameof(options));
            }

            var group = new Group(chains.Count, n);
            var values = new double[ll.Draws * ll.Observations];
            for (int s = 0; s < ll.Draws; s++)
            {
                for (int i = 0; i < ll.Observations; i++)
                {
                    values[(s * ll.Observations) + i] = ll[s, i];
                }
            }

            group.AddDrawVariable(options.LogLikelihoodName, values, [ll.Observations]);
            file["log_likelihood"] = group.Build();
        }

        if (options.ObservedData is { Count: > 0 } observed)
        {
            var group = new Group(0, 0);
            foreach (var (name, tensor) in observed)
            {
                group.AddVariable(name, tensor.Data, tensor.Shape.Rank == 0 ? [] : Enumerable.Range(0, tensor.Shape.Rank).Select(k => tensor.Shape[k]).ToArray());
            }

            file["observed_data"] = group.Build();
        }

        int warmup = chains.Min(c => draws.Chains[c].WarmupDraws);
        if (options.IncludeWarmup && warmup > 0)
        {
            file["warmup_posterior"] = Posterior(draws.Names, chains.Select(c => (draws.Chains[c].WarmupValues, warmup)).ToArray(), draws.Names.Count);
        }

        // PureHDF needs a readable, seekable stream: the file is built in memory, then written atomically
        using var buffer = new MemoryStream();
        file.Write(buffer, new H5WriteOptions(DefaultStringLength: StringLength));
        AtomicFile.Write(path, stream => buffer.WriteTo(stream));
    }

    private static H5Group Posterior(IReadOnlyList<string> names, (double[] Values, int Draws)[] chains, int columns)
    {
        int n = chains[0].Draws;
        var group = new Group(chains.Length, n);
        foreach (var (name, shape, columnOf) in Variables(names))
        {
            int size = shape.Aggregate(1, (a, b) => a * b);
            var values = new double[chains.Length * n * size];
            for (int c = 0; c < chains.Length; c++)
            {
                for (int s = 0; s < n; s++)
                {
                    for (int e = 0; e < size; e++)
                    {
                        values[(((c * n) + s) * size) + e] = chains[c].Values[(s * columns) + columnOf[e]];
                    }
                }
            }

            group.AddDrawVariable(name, values, shape);
        }

        return group.Build();
    }

    private static H5Group SampleStats(PosteriorDraws draws, IReadOnlyList<int> chains, int n)
    {
        var group = new Group(chains.Count, n);
        double[] Stat(Func<DrawStats, double> f) => chains.SelectMany(c => draws.Chains[c].Stats.Take(n).Select(f)).ToArray();
        long[] IntStat(Func<DrawStats, long> f) => chains.SelectMany(c => draws.Chains[c].Stats.Take(n).Select(f)).ToArray();
        group.AddDrawVariable("lp", Stat(s => s.LogDensity), []);
        group.AddDrawVariable("acceptance_rate", Stat(s => s.AcceptStat), []);
        group.AddDrawVariable("step_size", Stat(s => s.StepSize), []);
        group.AddDrawVariable("tree_depth", IntStat(s => s.TreeDepth), []);
        group.AddDrawVariable("n_steps", IntStat(s => s.LeapfrogSteps), []);
        group.AddDrawVariable("diverging", chains.SelectMany(c => draws.Chains[c].Stats.Take(n).Select(s => (sbyte)(s.Divergent ? 1 : 0))).ToArray(), [], boolean: true);
        group.AddDrawVariable("energy", Stat(s => s.Energy), []);
        return group.Build();
    }

    /// <summary>Groups Stan-style column names into variables: name, shape, and the column of each element in row-major order.</summary>
    internal static IEnumerable<(string Name, int[] Shape, int[] Columns)> Variables(IReadOnlyList<string> names)
    {
        var order = new List<string>();
        var elements = new Dictionary<string, List<(int[] Index, int Column)>>(StringComparer.Ordinal);
        for (int j = 0; j < names.Count; j++)
        {
            var m = ColumnName().Match(names[j]);
            if (!m.Success)
            {
                throw new ArgumentException($"Column '{names[j]}' is not a Stan-style name (name or name[i,j]).", nameof(names));
            }

            string name = m.Groups["name"].Value;
            int[] index = m.Groups["index"].Success ? m.Groups["index"].Value.Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture) - 1).ToArray() : [];
            if (!elements.TryGetValue(name, out var list))
            {
                elements[name] = list = [];
                order.Add(name);
            }

            list.Add((index, j));
        }

        foreach (var name in order)
        {
            var list = elements[name];
            int rank = list[0].Index.Length;
            if (list.Any(e => e.Index.Length != rank))
            {
                throw new ArgumentException($"The columns of '{name}' mix ranks.", nameof(names));
            }

            var shape = Enumerable.Range(0, rank).Select(k => list.Max(e => e.Index[k]) + 1).ToArray();
            int size = shape.Aggregate(1, (a, b) => a * b);
            if (size != list.Count)
            {
                throw new ArgumentException($"The columns of '{name}' do not fill a {string.Join(" × ", shape)} array.", nameof(names));
            }

            var columns = new int[size];
            foreach (var (index, column) in list)
            {
                int flat = 0;
                for (int k = 0; k < rank; k++)
                {
                    flat = (flat * shape[k]) + index[k];
                }

                columns[flat] = column;
            }

            yield return (name, shape, columns);
        }
    }

    /// <summary>One netCDF group: its variables, each with its dimensions attached as HDF5 dimension scales.</summary>
    private sealed class Group(int chains, int draws)
    {
        private readonly H5Group _group = [];
        private readonly Dictionary<string, H5Dataset> _dimensions = new(StringComparer.Ordinal);

        public void AddDrawVariable(string name, Array values, int[] shape, bool boolean = false) =>
            Add(name, values, ["chain", "draw", .. shape.Select((_, k) => $"{name}_dim_{k.ToString(CultureInfo.InvariantCulture)}")], [chains, draws, .. shape], boolean);

        public void AddVariable(string name, Array values, int[] shape) =>
            Add(name, values, shape.Select((_, k) => $"{name}_dim_{k.ToString(CultureInfo.InvariantCulture)}").ToArray(), shape, boolean: false);

        public H5Group Build() => _group;

        private void Add(string name, Array values, string[] dimensionNames, int[] lengths, bool boolean)
        {
            if (_group.ContainsKey(name))
            {
                throw new ArgumentException($"Two variables are called '{name}' in one group.", nameof(name));
            }

            var references = new H5ObjectReference[dimensionNames.Length][];
            for (int k = 0; k < dimensionNames.Length; k++)
            {
                references[k] = [Dimension(dimensionNames[k], lengths[k])];
            }

            var dataset = new H5Dataset(values, fileDims: lengths.Select(l => (ulong)l).ToArray());
            if (references.Length > 0)
            {
                dataset.Attributes["DIMENSION_LIST"] = references;
            }

            if (boolean)
            {
                dataset.Attributes["dtype"] = "bool";     // xarray's encoding of a boolean variable as int8
            }

            _group[name] = dataset;
        }

        // a dimension is a coordinate variable 0 … n − 1 marked as an HDF5 dimension scale
        private H5Dataset Dimension(string name, int length)
        {
            if (_dimensions.TryGetValue(name, out var existing))
            {
                return existing;
            }

            var scale = new H5Dataset(Enumerable.Range(0, length).Select(i => (long)i).ToArray());
            scale.Attributes["CLASS"] = "DIMENSION_SCALE";
            if (name.Length < StringLength)
            {
                scale.Attributes["NAME"] = name;
            }

            _group[name] = scale;
            _dimensions[name] = scale;
            return scale;
        }
    }
}
