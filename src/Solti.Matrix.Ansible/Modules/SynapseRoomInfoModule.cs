namespace Solti.Matrix.Ansible.Modules;

/// <summary><c>synapse_room_info</c>: one room by id or alias, or a search across every page. Read-only.</summary>
public sealed class SynapseRoomInfoModule : IModule
{
    public string Name => "synapse_room_info";

    public ArgumentSpec Spec { get; } = new(new Dictionary<string, OptionSpec>(ConnectionOptions.SharedAdmin)
    {
        ["room_id"] = new(),
        ["room_alias"] = new(),
        ["server_name"] = new(),
        ["search_term"] = new(),
        ["limit"] = new(OptionType.Int),
    })
    {
        MutuallyExclusive = [["room_id", "room_alias", "search_term"]],
    };

    public async Task<JsonObject> RunAsync(AnsibleModule module, CancellationToken cancellationToken)
    {
        var limit = ModuleInputs.Limit(module);
        if (module.Str("room_id") is { } given)
        {
            MatrixId.Require(MatrixIdKind.Room, given, "room_id");
        }

        var (client, admin) = ConnectionOptions.AdminClient(module);
        using var _ = client;
        var roomId = module.Str("room_id");
        if (module.Str("room_alias") is { } alias)
        {
            roomId = await admin.ResolveAliasAsync(QualifiedAlias(alias, module.Str("server_name")), cancellationToken);
            if (roomId is null)
            {
                return new JsonObject { ["changed"] = false, ["room"] = null, ["rooms"] = new JsonArray(), ["msg"] = $"no room has the alias {QualifiedAlias(alias, module.Str("server_name"))}" };
            }
        }

        if (roomId is not null)
        {
            var room = await admin.GetRoomAsync(roomId, cancellationToken);
            if (room is not null)
            {
                room["members"] = await admin.RoomMembersAsync(roomId, cancellationToken);
            }

            return new JsonObject { ["changed"] = false, ["room"] = room, ["rooms"] = new JsonArray([.. room is null ? [] : new[] { (JsonNode)room.DeepClone() }]) };
        }

        var (rooms, total) = await admin.ListRoomsAsync(module.Str("search_term"), limit, cancellationToken);
        return new JsonObject { ["changed"] = false, ["rooms"] = new JsonArray([.. rooms]), ["total"] = total };
    }

    /// <summary>The server name comes from the alias itself, else from <c>server_name</c>; never from the URL.</summary>
    private static string QualifiedAlias(string alias, string? serverName)
    {
        var full = alias.StartsWith('#') ? alias : "#" + alias;
        if (full.Contains(':', StringComparison.Ordinal))
        {
            return MatrixId.Require(MatrixIdKind.Alias, full, "room_alias");
        }

        return serverName is not null
            ? MatrixId.Require(MatrixIdKind.Alias, $"{full}:{MatrixId.Require(MatrixIdKind.ServerName, serverName, "server_name")}", "room_alias")
            : throw new ModuleFailedException($"room_alias '{alias}' has no server name: write it as #{full.TrimStart('#')}:example.com or set server_name");
    }
}
