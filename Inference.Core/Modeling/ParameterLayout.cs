using System.Globalization;
using Inference.Autodiff;
using Inference.Transforms;

namespace Inference.Modeling;

/// <summary>One named parameter: its constrained shape, its constraint and its slice of the unconstrained vector.</summary>
public sealed class ParameterInfo
{
    internal ParameterInfo(string name, Shape shape, Constraint constraint, int offset)
    {
        Name = name;
        Shape = shape;
        Constraint = constraint;
        Size = shape.Length;
        UnconstrainedSize = constraint.UnconstrainedSize(Size);
        UnconstrainedOffset = offset;
        Bijector = constraint.Bijector(Size);
    }

    /// <summary>The parameter's name.</summary>
    public string Name { get; }

    /// <summary>The constrained shape (scalar, vector or matrix).</summary>
    public Shape Shape { get; }

    /// <summary>The support.</summary>
    public Constraint Constraint { get; }

    /// <summary>Number of constrained values.</summary>
    public int Size { get; }

    /// <summary>Number of unconstrained coordinates.</summary>
    public int UnconstrainedSize { get; }

    /// <summary>Offset of the parameter's slice in the unconstrained vector.</summary>
    public int UnconstrainedOffset { get; }

    /// <summary>The transform from the unconstrained slice onto the support.</summary>
    public IBijector Bijector { get; }

    /// <summary>
    /// Stan-style names of the constrained values in output order: <c>tau</c>, <c>theta[1]</c> …, and
    /// <c>L[1,1]</c>, <c>L[2,1]</c> … (matrices column-major, as CmdStan writes them).
    /// </summary>
    public IEnumerable<string> ConstrainedNames() => ElementNames(Name, Shape);

    internal static IEnumerable<string> ElementNames(string name, Shape shape)
    {
        switch (shape.Rank)
        {
            case 0:
                yield return name;
                break;
            case 1:
                for (int i = 1; i <= shape[0]; i++)
                {
                    yield return string.Create(CultureInfo.InvariantCulture, $"{name}[{i}]");
                }

                break;
            default:
                for (int j = 1; j <= shape[1]; j++)
                {
                    for (int i = 1; i <= shape[0]; i++)
                    {
                        yield return string.Create(CultureInfo.InvariantCulture, $"{name}[{i},{j}]");
                    }
                }

                break;
        }
    }

    /// <summary>Copies a row-major value into output order (column-major for matrices).</summary>
    internal static void ToOutputOrder(ReadOnlySpan<double> rowMajor, Shape shape, Span<double> destination)
    {
        if (shape.Rank < 2)
        {
            rowMajor.CopyTo(destination);
            return;
        }

        int rows = shape[0], cols = shape[1], k = 0;
        for (int j = 0; j < cols; j++)
        {
            for (int i = 0; i < rows; i++)
            {
                destination[k++] = rowMajor[(i * cols) + j];
            }
        }
    }

    /// <summary>The inverse of <see cref="ToOutputOrder"/>.</summary>
    internal static void FromOutputOrder(ReadOnlySpan<double> outputOrder, Shape shape, Span<double> rowMajor)
    {
        if (shape.Rank < 2)
        {
            outputOrder.CopyTo(rowMajor);
            return;
        }

        int rows = shape[0], cols = shape[1], k = 0;
        for (int j = 0; j < cols; j++)
        {
            for (int i = 0; i < rows; i++)
            {
                rowMajor[(i * cols) + j] = outputOrder[k++];
            }
        }
    }
}

/// <summary>A derived quantity (Stan's generated quantities and transformed parameters) recorded with the draws.</summary>
public sealed class DerivedInfo
{
    internal DerivedInfo(string name, Shape shape)
    {
        Name = name;
        Shape = shape;
    }

    /// <summary>The name.</summary>
    public string Name { get; }

    /// <summary>The shape.</summary>
    public Shape Shape { get; }
}

/// <summary>
/// The map between the flat unconstrained vector and named constrained values: parameters in
/// declaration order, then derived quantities.
/// </summary>
public sealed class ParameterLayout
{
    internal ParameterLayout(IReadOnlyList<ParameterInfo> parameters, IReadOnlyList<DerivedInfo> derived)
    {
        Parameters = parameters;
        Derived = derived;
        Dimension = parameters.Sum(p => p.UnconstrainedSize);
        var unconstrained = new List<string>();
        foreach (var p in parameters)
        {
            if (p.UnconstrainedSize == p.Size)
            {
                unconstrained.AddRange(p.ConstrainedNames());
            }
            else
            {
                unconstrained.AddRange(ParameterInfo.ElementNames(p.Name, Shape.Vector(p.UnconstrainedSize)));
            }
        }

        UnconstrainedNames = unconstrained;
        ParameterNames = parameters.SelectMany(p => p.ConstrainedNames()).ToArray();
        DerivedNames = derived.SelectMany(d => ParameterInfo.ElementNames(d.Name, d.Shape)).ToArray();
        ConstrainedNames = [.. ParameterNames, .. DerivedNames];
    }

    /// <summary>The parameters in declaration order.</summary>
    public IReadOnlyList<ParameterInfo> Parameters { get; }

    /// <summary>The derived quantities in the order they were recorded.</summary>
    public IReadOnlyList<DerivedInfo> Derived { get; }

    /// <summary>Length of the unconstrained vector.</summary>
    public int Dimension { get; }

    /// <summary>Names of the unconstrained coordinates.</summary>
    public IReadOnlyList<string> UnconstrainedNames { get; }

    /// <summary>Names of the constrained parameter values.</summary>
    public IReadOnlyList<string> ParameterNames { get; }

    /// <summary>Names of the derived values.</summary>
    public IReadOnlyList<string> DerivedNames { get; }

    /// <summary>Parameter names then derived names: the columns of a draw.</summary>
    public IReadOnlyList<string> ConstrainedNames { get; }

    /// <summary>The parameter called <paramref name="name"/>.</summary>
    public ParameterInfo this[string name] =>
        Parameters.FirstOrDefault(p => p.Name == name) ?? throw new KeyNotFoundException($"The model has no parameter '{name}'.");
}
