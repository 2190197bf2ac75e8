using System.Diagnostics;
using System.Text.Json;
using Inference.ArviZ;
using Inference.Diagnostics;
using Inference.Models;
using Inference.Results;
using Inference.Samplers.Running;
using PureHDF;

namespace Inference.Tests.ArviZ;

/// <summary>
/// The eight-schools run written as ArviZ InferenceData: read back with PureHDF (groups, dimension scales, every value
/// equal to the draws), and, where Debian's python3-xarray and python3-netcdf4 are installed, opened with xarray on the
/// netCDF4 engine as arviz.from_netcdf does and compared with the run's Stan-CSV files (tools/check-inference-data.py).
/// </summary>
public class InferenceDataTests
{
    private static readonly Lazy<(PosteriorDraws Draws, Inference.Modeling.CompiledModel Model)> Run = new(() =>
    {
        var model = EightSchools.NonCentered().Compile();
        var draws = ChainRunner.Nuts(model, new RunSettings { Chains = 4, Warmup = 150, Draws = 100, Seed = 16, SaveWarmup = true });
        return (draws, model);
    });

    private static string WriteRun(string folder)
    {
        var (draws, model) = Run.Value;
        var ll = PointwiseLogLikelihood.FromDraws(model, draws);
        string path = Path.Combine(folder, "eight_schools.nc");
        double[] y = [28, 8, -3, 7, -1, 1, 18, 12];
        InferenceDataWriter.Write(draws, path, new InferenceDataOptions { LogLikelihood = ll, ObservedData = new Dictionary<string, Tensor> { ["y"] = Tensor.FromVector(y) } });
        return path;
    }

    private static string TempFolder()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"inference-data-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        return folder;
    }

    [Fact]
    public void File_HoldsArviZsGroupsAndNames_AndTheDrawsValues()
    {
        string folder = TempFolder();
        try
        {
            var (draws, _) = Run.Value;
            using var file = H5File.OpenRead(WriteRun(folder));
            Assert.Equal(["log_likelihood", "observed_data", "posterior", "sample_stats", "warmup_posterior"], file.Children().Select(c => c.Name).Order().ToArray());
            var posterior = file.Group("posterior");
            var theta = posterior.Dataset("theta");
            Assert.Equal([4UL, 100UL, 8UL], theta.Space.Dimensions);
            var values = theta.Read<double[]>();
            int column = draws.IndexOf("theta[3]");
            for (int c = 0; c < 4; c++)
            {
                for (int s = 0; s < 100; s++)
                {
                    Assert.Equal(draws.Chains[c][s, column], values[(((c * 100) + s) * 8) + 2]);
                }
            }

            Assert.Equal(draws.Chains[2][7, draws.IndexOf("tau")], posterior.Dataset("tau").Read<double[]>()[(2 * 100) + 7]);
            Assert.True(theta.AttributeExists("DIMENSION_LIST"));
            Assert.Equal("DIMENSION_SCALE", posterior.Dataset("theta_dim_0").Attribute("CLASS").Read<string>());
            var stats = file.Group("sample_stats");
            Assert.Equal(["acceptance_rate", "chain", "diverging", "draw", "energy", "lp", "n_steps", "step_size", "tree_depth"], stats.Children().Select(c => c.Name).Order().ToArray());
            Assert.Equal(draws.Chains[1].Stats[5].LeapfrogSteps, stats.Dataset("n_steps").Read<long[]>()[100 + 5]);
            Assert.Equal([4UL, 100UL, 8UL], file.Group("log_likelihood").Dataset("y").Space.Dimensions);
            Assert.Equal([4UL, 150UL], file.Group("warmup_posterior").Dataset("mu").Space.Dimensions);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void ColumnNames_BecomeArrays_RowMajor()
    {
        var variables = InferenceDataWriter.Variables(["mu", "L[1,1]", "L[2,1]", "L[1,2]", "L[2,2]", "L[1,3]", "L[2,3]", "z[1]", "z[2]"]).ToArray();
        Assert.Equal(["mu", "L", "z"], variables.Select(v => v.Name));
        Assert.Equal([2, 3], variables[1].Shape);
        Assert.Equal([1, 3, 5, 2, 4, 6], variables[1].Columns);     // L[1,1], L[1,2], L[1,3], L[2,1], …
        Assert.Equal("names", Assert.Throws<ArgumentException>(() => InferenceDataWriter.Variables(["a[1]", "a[3]"]).ToArray()).ParamName);
    }

    [PythonXarrayFact]
    public void Xarray_OpensEveryGroup_AndItsValuesEqualTheStanCsv()
    {
        string folder = TempFolder();
        try
        {
            string path = WriteRun(folder);
            StanCsvWriter.WriteAll(Run.Value.Draws, folder);
            string script = Path.Combine(Directory.GetParent(ReferenceData.Root)!.FullName, "tools", "check-inference-data.py");
            var (exit, output) = PythonXarrayFactAttribute.RunPython(script, path, folder);
            Assert.True(exit == 0, output);
            using var report = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
            var root = report.RootElement;
            Assert.Equal(["log_likelihood", "observed_data", "posterior", "sample_stats", "warmup_posterior"], root.GetProperty("groups").EnumerateArray().Select(e => e.GetString()));
            Assert.Equal(["mu", "tau", "theta", "theta_trans"], root.GetProperty("posterior").EnumerateArray().Select(e => e.GetString()));
            Assert.Equal(["acceptance_rate", "diverging", "energy", "lp", "n_steps", "step_size", "tree_depth"], root.GetProperty("sample_stats").EnumerateArray().Select(e => e.GetString()));
            Assert.Equal(["chain", "draw", "y_dim_0"], root.GetProperty("log_likelihood").GetProperty("y").EnumerateArray().Select(e => e.GetString()));
            Assert.Equal((4 * 100 * (7 + 18)) + (4 * 150 * 18), root.GetProperty("values_compared").GetInt32());   // draws and statistics, and the saved warmup draws
            Assert.Empty(root.GetProperty("errors").EnumerateArray());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}

/// <summary>A fact that needs python3 with xarray and netCDF4; skipped, with the reason, where they are not installed.</summary>
public sealed class PythonXarrayFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Missing = new(() =>
    {
        try
        {
            var (exit, output) = RunPython("-c", "import xarray, netCDF4");
            return exit == 0 ? null : $"python3 cannot import xarray and netCDF4 ({output.Trim()}): apt-get install python3-xarray python3-netcdf4";
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return $"python3 is not installed ({ex.Message}): apt-get install python3 python3-xarray python3-netcdf4";
        }
    });

    public PythonXarrayFactAttribute()
    {
        if (Missing.Value is { } reason)
        {
            Skip = reason;
        }
    }

    // Debian's python first: a pyenv shim ahead of it on the PATH may not see Debian's modules
    private static string Python => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    internal static (int Exit, string Output) RunPython(params string[] arguments)
    {
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr);
    }
}
