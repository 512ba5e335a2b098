namespace Solti.Matrix.Sessions;

/// <summary>The cache refused a path it cannot trust (symlink, foreign owner, group/other access).</summary>
public sealed class CredentialCacheException(string message) : Exception(message);
