namespace Solti.Matrix.Http;

/// <summary>The one place path segments are encoded: every id, alias, type and txn id goes through <see cref="Segment"/>.</summary>
public static class MatrixPath
{
    /// <summary>The client-server API prefix.</summary>
    public const string Client = "_matrix/client/v3";
    /// <summary>The Synapse admin API prefix.</summary>
    public const string Admin = "_synapse/admin";

    /// <summary>One path segment with every reserved character percent-encoded (<c>!room:server</c> becomes
    /// <c>%21room%3Aserver</c>).</summary>
    public static string Segment(string value) => Uri.EscapeDataString(value);

    /// <summary><c>Client/rooms/{id}/send/{type}/{txn}</c> style: literal parts as given, values encoded.</summary>
    public static string Build(string prefix, params ReadOnlySpan<PathPart> parts)
    {
        var builder = new System.Text.StringBuilder(prefix);
        foreach (var part in parts)
        {
            builder.Append('/').Append(part.Encoded);
        }

        return builder.ToString();
    }
}

/// <summary>A literal path part or a value to encode.</summary>
public readonly record struct PathPart(string Encoded)
{
    /// <summary>A literal part, used as given (<c>"rooms"</c>).</summary>
    public static implicit operator PathPart(string literal) => new(literal);

    /// <summary>A value part (an id, a type), percent-encoded.</summary>
    public static PathPart Value(string value) => new(MatrixPath.Segment(value));
}
