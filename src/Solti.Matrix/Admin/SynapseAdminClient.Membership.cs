namespace Solti.Matrix;

/// <summary>Room state in one read, invites and kicks as the admin, and room directory visibility.</summary>
public partial class SynapseAdminClient
{
    /// <summary>Every current state event of the room (<c>GET /_synapse/admin/v1/rooms/{id}/state</c>).</summary>
    public virtual async Task<JsonArray> RoomStateAsync(string roomId, CancellationToken cancellationToken = default) =>
        (JsonArray)((await Session.SendAsync(MatrixRequest.Get(RoomPath(roomId, "state")), cancellationToken))["state"]?.DeepClone() ?? new JsonArray());

    /// <summary>Invites <paramref name="userId"/> to the room as the admin session's user.</summary>
    public virtual Task InviteAsync(string roomId, string userId, CancellationToken cancellationToken = default) =>
        Session.SendAsync(MatrixRequest.Post(MatrixPath.Build(MatrixPath.Client, "rooms", PathPart.Value(roomId), "invite"), new JsonObject { ["user_id"] = userId }), cancellationToken);

    /// <summary>Kicks <paramref name="userId"/> from the room as the admin session's user, with
    /// <paramref name="reason"/> when given.</summary>
    public virtual Task KickAsync(string roomId, string userId, string? reason, CancellationToken cancellationToken = default)
    {
        var body = new JsonObject { ["user_id"] = userId };
        if (reason is not null)
        {
            body["reason"] = reason;
        }

        return Session.SendAsync(MatrixRequest.Post(MatrixPath.Build(MatrixPath.Client, "rooms", PathPart.Value(roomId), "kick"), body), cancellationToken);
    }

    /// <summary><c>public</c> or <c>private</c>: whether the room is published in the room directory.</summary>
    public virtual async Task<string> GetDirectoryVisibilityAsync(string roomId, CancellationToken cancellationToken = default) =>
        (await Session.SendAsync(MatrixRequest.Get(DirectoryListPath(roomId)), cancellationToken))["visibility"]?.GetValue<string>()
        ?? throw new MatrixException(200, MatrixErrorCodes.BadResponse, "directory visibility answered without visibility");

    /// <summary>Publishes the room in the room directory (<c>public</c>) or removes it from there
    /// (<c>private</c>).</summary>
    public virtual Task SetDirectoryVisibilityAsync(string roomId, string visibility, CancellationToken cancellationToken = default) =>
        Session.SendAsync(MatrixRequest.Put(DirectoryListPath(roomId), new JsonObject { ["visibility"] = visibility }), cancellationToken);

    private static string DirectoryListPath(string roomId) => MatrixPath.Build(MatrixPath.Client, "directory", "list", "room", PathPart.Value(roomId));
}
