namespace Solti.Matrix;

/// <summary>Rooms: details, members, state; alias resolution through the client API.</summary>
public partial class SynapseAdminClient
{
    private static string RoomPath(string roomId, string? tail = null) =>
        tail is null ? MatrixPath.Build(MatrixPath.Admin, "v1", "rooms", PathPart.Value(roomId)) : MatrixPath.Build(MatrixPath.Admin, "v1", "rooms", PathPart.Value(roomId), tail);

    /// <summary>The room's details, or null when the server does not know it.</summary>
    public virtual Task<JsonObject?> GetRoomAsync(string roomId, CancellationToken cancellationToken = default)
        => Session.GetOrNullAsync(RoomPath(roomId), cancellationToken);

    /// <summary>The user ids of the room's members (<c>GET /v1/rooms/{id}/members</c>).</summary>
    public virtual async Task<JsonArray> RoomMembersAsync(string roomId, CancellationToken cancellationToken = default) =>
        (JsonArray)((await Session.SendAsync(MatrixRequest.Get(RoomPath(roomId, "members")), cancellationToken))["members"]?.DeepClone() ?? new JsonArray());

    /// <summary>The room id an alias points to, or null when the alias is absent (<see cref="Errors.MatrixException.IsAbsent"/>); other errors propagate.</summary>
    public virtual async Task<string?> ResolveAliasAsync(string alias, CancellationToken cancellationToken = default)
        => (await Session.GetOrNullAsync(MatrixPath.Build(MatrixPath.Client, "directory", "room", PathPart.Value(alias)), cancellationToken))?["room_id"]?.GetValue<string>();
}
