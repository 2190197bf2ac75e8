namespace Inference.Transforms;

/// <summary>
/// A transport map fitted to a target, with its own verdict on the fit: T pushes N(0, I) onto an approximation q of
/// the target (on its unconstrained space). NeuTra (in Samplers) runs on T and carries k̂ and the ELBO into its
/// warnings, without referencing the library that fitted T.
/// </summary>
public interface IFittedTransport
{
    /// <summary>T, from the base space to the target's unconstrained space.</summary>
    IBijector Transform { get; }

    /// <summary>PSIS k̂ of log p̃ − log q over draws of q: below 0.5 good, above 0.7 unreliable.</summary>
    double ParetoK { get; }

    /// <summary>The ELBO E_q[log p̃ − log q] (log Z − KL(q ‖ p)): between fits of one target, higher is better.</summary>
    double Elbo { get; }

    /// <summary>The ELBO's Monte Carlo standard error.</summary>
    double ElboStandardError { get; }
}
