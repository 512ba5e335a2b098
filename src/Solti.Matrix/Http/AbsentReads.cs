using Solti.Matrix.Sessions;

namespace Solti.Matrix.Http;

/// <summary>Reads of things that may not exist, for the admin client and the account authority alike.</summary>
internal static class AbsentReads
{
    /// <summary><c>GET <paramref name="path"/></c> as the session: "absent" (<see cref="MatrixException.IsAbsent"/>) is
    /// null; any other failure, an endpoint the server does not serve among them, propagates.</summary>
    public static async Task<JsonObject?> GetOrNullAsync(this MatrixSession session, string path, CancellationToken cancellationToken)
    {
        try
        {
            return (JsonObject)await session.SendAsync(MatrixRequest.Get(path), cancellationToken);
        }
        catch (MatrixException e) when (e.IsAbsent)
        {
            return null;
        }
    }
}
