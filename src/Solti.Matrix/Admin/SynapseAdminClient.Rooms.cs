using System.Text.Json.Nodes;
using Solti.Matrix.Errors;
using Solti.Matrix.Http;

namespace Solti.Matrix;

/// <summary>Rooms: details, members, state; alias resolution through the client API.</summary>
public partial class SynapseAdminClient
{
    private static string RoomPath(string roomId, string? tail = null) =>
        tail is null ? MatrixPath.Build(MatrixPath.Admin, "v1", "rooms", PathPart.Value(roomId)) : MatrixPath.Build(MatrixPath.Admin, "v1", "rooms", PathPart.Value(roomId), tail);

    /// <summary>The room's details, or null when the server does not know it.</summary>
    public virtual async Task<JsonObject?> GetRoomAsync(string roomId, CancellationToken cancellationToken = default)
    {
        try
        {
            return (JsonObject)await Session.SendAsync(MatrixRequest.Get(RoomPath(roomId)), cancellationToken);
        }
        catch (MatrixException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public virtual async Task<JsonArray> RoomMembersAsync(string roomId, CancellationToken cancellationToken = default) =>
        (JsonArray)((await Session.SendAsync(MatrixRequest.Get(RoomPath(roomId, "members")), cancellationToken))["members"]?.DeepClone() ?? new JsonArray());

    /// <summary>The room id an alias points to, or null when the alias is unknown (404); other errors propagate.</summary>
    public virtual async Task<string?> ResolveAliasAsync(string alias, CancellationToken cancellationToken = default)
    {
        try
        {
            var reply = await Session.SendAsync(MatrixRequest.Get(MatrixPath.Build(MatrixPath.Client, "directory", "room", PathPart.Value(alias))), cancellationToken);
            return reply["room_id"]?.GetValue<string>();
        }
        catch (MatrixException e) when (e.Status == 404 && e.Errcode == MatrixErrorCodes.NotFound)
        {
            return null;
        }
    }
}
