namespace Inference.Transforms;

/// <summary>
/// The layout's record of a parameter declared with <see cref="Bounds"/>: its transform needs the bounds' values at each
/// evaluation, so the model applies it while running its body and this constraint has no free-standing bijector.
/// </summary>
internal sealed class DependentBoundsConstraint(string description) : Constraint
{
    public override IBijector Bijector(int size) => new Unavailable(size, description);

    public override bool Contains(ReadOnlySpan<double> value)
    {
        foreach (double v in value)
        {
            if (double.IsNaN(v))
            {
                return false;
            }
        }

        return true;
    }

    public override string ToString() => description;

    private sealed class Unavailable(int size, string description) : Bijectors.EventBijector(size, size)
    {
        protected override Autodiff.Var ForwardCore(Autodiff.Var x, out Autodiff.Var logAbsDetJacobian) => throw Error();

        protected override Autodiff.Var InverseCore(Autodiff.Var y, out Autodiff.Var logAbsDetJacobian) => throw Error();

        private InvalidOperationException Error() => new(
            $"This parameter's bounds ({description}) depend on other values of the model: constrain and unconstrain it through the model (ModelEvaluator.Constrain, CompiledModel.Unconstrain), not through its bijector.");
    }
}
