namespace Solti.Matrix.Homeserver.Rooms;

/// <summary>The room directory's aliases, and the id-or-alias lookup every room endpoint uses.</summary>
public sealed class RoomAliases(ServerState state)
{
    public RoomRecord Room(string roomId) =>
        state.Data.Rooms.GetValueOrDefault(roomId) is { } room ? room : throw Errors.NotFound($"Unknown room {roomId}");

    /// <summary><c>!id</c> or <c>#alias:server</c> to a room of this server.</summary>
    public RoomRecord Resolve(string roomIdOrAlias)
    {
        if (MatrixIds.IsAlias(roomIdOrAlias))
        {
            return Room(Lookup(roomIdOrAlias));
        }

        if (!MatrixIds.IsRoomId(roomIdOrAlias))
        {
            throw Errors.InvalidParam($"{roomIdOrAlias} was not legal room ID or room alias");
        }

        return state.Data.Rooms.GetValueOrDefault(roomIdOrAlias) ?? throw Errors.NotFound("No known servers");
    }

    public string Lookup(string alias) =>
        state.Data.Aliases.TryGetValue(alias, out var record)
            ? record.RoomId
            : throw Errors.NotFound($"Room alias {alias} not found");

    public string Validate(string alias)
    {
        if (!MatrixIds.IsAlias(alias) || alias.Any(char.IsWhiteSpace))
        {
            throw Errors.InvalidParam($"{alias} is not a valid room alias");
        }

        if (!alias.EndsWith(":" + state.ServerName, StringComparison.Ordinal))
        {
            throw Errors.InvalidParam("Room alias must be local");
        }

        return alias;
    }

    public void Create(string alias, string roomId, string creator)
    {
        Validate(alias);
        if (state.Data.Aliases.ContainsKey(alias))
        {
            throw new HomeserverErrorException(409, "M_UNKNOWN", $"Room alias {alias} already exists");
        }

        state.Data.Aliases[alias] = new AliasRecord { RoomId = roomId, Creator = creator };
    }

    public IEnumerable<string> AliasesOf(string roomId) =>
        state.Data.Aliases.Where(a => a.Value.RoomId == roomId).Select(a => a.Key).Order(StringComparer.Ordinal);
}
