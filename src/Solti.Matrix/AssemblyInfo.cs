// The credential cache relies on Unix file ownership and modes; the product runs on Linux targets.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("Solti.Matrix.Tests")]
