namespace Solti.Matrix.Homeserver.Configuration;

/// <summary>A bad option or config file; the message names the setting and what was expected.</summary>
public sealed class ConfigurationException(string message) : Exception(message);
