global using Inference.Autodiff;
global using Inference.Tests.Support;
