namespace Solti.Matrix;

/// <summary>Room changes as the admin: create, state, force join, async delete with its status.</summary>
public partial class SynapseAdminClient
{
    public virtual async Task<string> CreateRoomAsync(JsonObject request, CancellationToken cancellationToken = default) =>
        (await Session.SendAsync(MatrixRequest.Post(MatrixPath.Client + "/createRoom", request, idempotent: false), cancellationToken))["room_id"]!.GetValue<string>();

    /// <summary>A state event's content, or null when the room has none.</summary>
    public virtual Task<JsonObject?> GetStateAsync(string roomId, string type, CancellationToken cancellationToken = default)
        => GetOrNullAsync(MatrixPath.Build(MatrixPath.Client, "rooms", PathPart.Value(roomId), "state", PathPart.Value(type), ""), cancellationToken);

    public virtual Task PutStateAsync(string roomId, string type, JsonObject content, CancellationToken cancellationToken = default) =>
        PutStateAsync(roomId, type, "", content, cancellationToken);

    public virtual Task PutStateAsync(string roomId, string type, string stateKey, JsonObject content, CancellationToken cancellationToken = default) =>
        Session.SendAsync(MatrixRequest.Put(MatrixPath.Build(MatrixPath.Client, "rooms", PathPart.Value(roomId), "state", PathPart.Value(type), PathPart.Value(stateKey)), content), cancellationToken);

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
