using System.Reflection;

namespace Inference.Tests.Architecture;

/// <summary>Dependencies point one way: Flows → Core and Samplers → Core; Samplers never references Flows.</summary>
public class DependencyRulesTests
{
    private static string[] References(Type typeInAssembly) =>
        typeInAssembly.Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToArray();

    [Fact]
    public void Samplers_DoNotReferenceFlows()
    {
        var refs = References(typeof(Inference.Samplers.Kernels.Nuts));
        Assert.Contains("Inference.Core", refs);
        Assert.DoesNotContain("Inference.Flows", refs);
    }

    [Fact]
    public void Flows_ReferenceCoreButNotSamplers()
    {
        var refs = References(typeof(Inference.Flows.FlowDistribution));
        Assert.Contains("Inference.Core", refs);
        Assert.DoesNotContain("Inference.Samplers", refs);
    }

    [Fact]
    public void Core_ReferencesNoOtherProjectAndNoDependencyInjection()
    {
        var refs = References(typeof(Tape));
        Assert.DoesNotContain(refs, r => r.StartsWith("Inference.", StringComparison.Ordinal));
        Assert.DoesNotContain(refs, r => r.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal));
    }

    [Fact]
    public void ReferenceModels_LiveOutsideTheCoreLibrary()
    {
        Assert.DoesNotContain(typeof(Tape).Assembly.GetExportedTypes(), t => t.Namespace == "Inference.Models");
        Assert.Equal("Inference.Models", typeof(Inference.Models.EightSchools).Assembly.GetName().Name);
    }

    [Fact]
    public void OnlyTheDistributedProject_ReferencesOrleans()
    {
        Type[] libraries =
        [
            typeof(Tape), typeof(Inference.Flows.FlowDistribution), typeof(Inference.Samplers.Kernels.Nuts), typeof(Inference.Models.EightSchools),
            typeof(Inference.Workflow.Comparison.SamplerComparison), typeof(Inference.Plots.DiagnosticPlots), typeof(Inference.ArviZ.InferenceDataWriter),
            typeof(Inference.Extensions.DependencyInjection.IInferenceSampler),
        ];
        foreach (var t in libraries)
        {
            Assert.DoesNotContain(References(t), r => r.StartsWith("Orleans", StringComparison.Ordinal) || r.StartsWith("Microsoft.Orleans", StringComparison.Ordinal));
            Assert.DoesNotContain("Inference.Distributed", References(t));
        }

        var distributed = References(typeof(Inference.Distributed.GridRunner));
        Assert.Contains(distributed, r => r.StartsWith("Orleans.", StringComparison.Ordinal));
        Assert.Contains("Inference.Workflow", distributed);
        Assert.DoesNotContain("Inference.Flows", distributed);   // flow samplers come through the comparison registry
    }

    [Fact]
    public void FlowsImplementCoresBijectorInterface()
    {
        Assert.True(typeof(Inference.Transforms.IBijector).IsAssignableFrom(typeof(Inference.Flows.Bijectors.FlowBijector)));
        Assert.Equal(typeof(Tape).Assembly, typeof(Inference.Transforms.IBijector).Assembly);
    }
}
