namespace Solti.Matrix.Identifiers;

/// <summary>An identifier refused by <see cref="MatrixId.Require"/>; the message names the parameter, what was expected,
/// why the value is not that, and the value.</summary>
public sealed class MatrixIdException : ArgumentException
{
    /// <summary>An invalid <paramref name="value"/> given as <paramref name="parameter"/>, which must be a
    /// <paramref name="kind"/>, with the <paramref name="reason"/>.</summary>
    public MatrixIdException(string parameter, MatrixIdKind kind, string reason, string? value)
        : base($"{parameter} must be {MatrixId.Describe(kind)}: {reason}, got '{value}'")
    {
        Parameter = parameter;
        Kind = kind;
        Reason = reason;
    }

    /// <summary>An invalid id, without details.</summary>
    public MatrixIdException()
    {
        Parameter = "";
        Reason = "";
    }

    /// <summary>An invalid id, with a message.</summary>
    public MatrixIdException(string message)
        : base(message)
    {
        Parameter = "";
        Reason = message;
    }

    /// <summary>An invalid id, with a message and the exception behind it.</summary>
    public MatrixIdException(string message, Exception innerException)
        : base(message, innerException)
    {
        Parameter = "";
        Reason = message;
    }

    /// <summary>The option, flag or field that held the value (<c>user_id</c>, <c>--user</c>, <c>users[2].user_id</c>).</summary>
    public string Parameter { get; }

    /// <summary>The kind of id that was expected.</summary>
    public MatrixIdKind Kind { get; }

    /// <summary>What is wrong, without the parameter: "the server name 'local host' is not a host name or IP literal".</summary>
    public string Reason { get; }
}
