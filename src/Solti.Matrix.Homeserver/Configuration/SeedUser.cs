namespace Solti.Matrix.Homeserver.Configuration;

/// <summary>An account created at start-up when it does not exist yet.</summary>
public sealed record SeedUser(string Localpart, string Password, bool Admin)
{
    /// <summary>Parses <c>name:password[:admin]</c>.</summary>
    public static SeedUser Parse(string value)
    {
        var parts = value.Split(':');
        if (parts.Length is < 2 or > 3 || parts[0].Length == 0 || parts[1].Length == 0)
        {
            throw new FormatException($"--seed-user expects name:password[:admin], got '{Redact(value)}'");
        }

        if (parts.Length == 3 && parts[2] != "admin")
        {
            throw new FormatException($"--seed-user: the third field may only be 'admin', got '{parts[2]}'");
        }

        return new SeedUser(parts[0], parts[1], parts.Length == 3);
    }

    private static string Redact(string value)
    {
        var colon = value.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? value : value[..colon] + ":***";
    }
}
