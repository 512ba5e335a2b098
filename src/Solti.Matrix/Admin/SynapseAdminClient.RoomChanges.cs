namespace Solti.Matrix;

/// <summary>Room changes as the admin: create, state, force join, async delete with its status.</summary>
public partial class SynapseAdminClient
{
    /// <summary>Creates a room as the admin session's user with a <c>/createRoom</c> request body; returns the new
    /// room's id.</summary>
    public virtual async Task<string> CreateRoomAsync(JsonObject request, CancellationToken cancellationToken = default) =>
        (await Session.SendAsync(MatrixRequest.Post(MatrixPath.Client + "/createRoom", request, idempotent: false), cancellationToken))["room_id"]!.GetValue<string>();

    /// <summary>A state event's content, or null when the room has none.</summary>
    public virtual Task<JsonObject?> GetStateAsync(string roomId, string type, CancellationToken cancellationToken = default)
        => Session.GetOrNullAsync(MatrixPath.Build(MatrixPath.Client, "rooms", PathPart.Value(roomId), "state", PathPart.Value(type), ""), cancellationToken);

    /// <summary>Sets a state event with an empty state key (<c>m.room.name</c>, <c>m.room.topic</c>, …).</summary>
    public virtual Task PutStateAsync(string roomId, string type, JsonObject content, CancellationToken cancellationToken = default) =>
        PutStateAsync(roomId, type, "", content, cancellationToken);

    /// <summary>Sets the state event of <paramref name="type"/> and <paramref name="stateKey"/> to
    /// <paramref name="content"/>.</summary>
    public virtual Task PutStateAsync(string roomId, string type, string stateKey, JsonObject content, CancellationToken cancellationToken = default) =>
        Session.SendAsync(MatrixRequest.Put(MatrixPath.Build(MatrixPath.Client, "rooms", PathPart.Value(roomId), "state", PathPart.Value(type), PathPart.Value(stateKey)), content), cancellationToken);

    /// <summary>Joins a local user to a room without an invite (<c>POST /v1/join/{room}</c>); the admin must be in the
    /// room.</summary>
    public virtual Task ForceJoinAsync(string roomIdOrAlias, string userId, CancellationToken cancellationToken = default) =>
        Session.SendAsync(MatrixRequest.Post(MatrixPath.Build(MatrixPath.Admin, "v1", "join", PathPart.Value(roomIdOrAlias)), new JsonObject { ["user_id"] = userId }), cancellationToken);

    /// <summary>Starts the v2 delete and waits until it is <c>complete</c>; a <c>failed</c> status throws with the server's error.</summary>
    public virtual async Task<JsonObject> DeleteRoomAsync(string roomId, JsonObject options, TimeSpan pollInterval, CancellationToken cancellationToken = default)
    {
        var started = await Session.SendAsync(MatrixRequest.Delete(MatrixPath.Build(MatrixPath.Admin, "v2", "rooms", PathPart.Value(roomId)), options), cancellationToken);
        var deleteId = started["delete_id"]!.GetValue<string>();
        while (true)
        {
            var status = (JsonObject)await Session.SendAsync(MatrixRequest.Get(MatrixPath.Build(MatrixPath.Admin, "v2", "rooms", "delete_status", PathPart.Value(deleteId))), cancellationToken);
            switch (status["status"]?.GetValue<string>())
            {
                case "complete":
                    return status;
                case "failed":
                    throw new MatrixException(500, MatrixErrorCodes.Unknown, "room deletion failed: " + (status["error"]?.GetValue<string>() ?? "no reason given"));
            }

            await Task.Delay(pollInterval, cancellationToken);
        }
    }
}
