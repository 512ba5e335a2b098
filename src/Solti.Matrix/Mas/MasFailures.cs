namespace Solti.Matrix.Mas;

/// <summary>MAS's admin API has its own rule for "absent", apart from the Matrix APIs'
/// (<see cref="Errors.FailureClassification"/>): MAS serves every path of its OpenAPI description, and its 404 carries a
/// JSON:API <c>errors[]</c> body, not a Matrix <c>errcode</c>, so any 404 from it means the resource does not exist.</summary>
internal static class MasFailures
{
    /// <summary>MAS answered that the resource does not exist.</summary>
    public static bool IsAbsent(MatrixException e) => e.Status == 404;
}
