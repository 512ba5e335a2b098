namespace Solti.Matrix.Identifiers;

/// <summary>An identifier refused by <see cref="MatrixId.Require"/>; the message names the parameter, what was expected,
/// why the value is not that, and the value.</summary>
public sealed class MatrixIdException : ArgumentException
{
    public MatrixIdException(string parameter, MatrixIdKind kind, string reason, string? value)
        : base($"{parameter} must be {MatrixId.Describe(kind)}: {reason}, got '{value}'")
    {
        Parameter = parameter;
        Kind = kind;
        Reason = reason;
    }

    public MatrixIdException()
    {
        Parameter = "";
        Reason = "";
    }

    public MatrixIdException(string message)
        : base(message)
    {
        Parameter = "";
        Reason = message;
    }

    public MatrixIdException(string message, Exception innerException)
        : base(message, innerException)
    {
        Parameter = "";
        Reason = message;
    }

    /// <summary>The option, flag or field that held the value (<c>user_id</c>, <c>--user</c>, <c>users[2].user_id</c>).</summary>
    public string Parameter { get; }

    public MatrixIdKind Kind { get; }

    /// <summary>What is wrong, without the parameter: "the server name 'local host' is not a host name or IP literal".</summary>
    public string Reason { get; }
}
