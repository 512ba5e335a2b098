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

        var aliasName = ModuleInputs.AliasOption(module, "room_alias");
        var serverName = module.Str("server_name") is { } name ? MatrixId.Require(MatrixIdKind.ServerName, name, "server_name") : null;
        var (client, admin) = ConnectionOptions.AdminClient(module);
        using var _ = client;
        var roomId = module.Str("room_id");
        if (aliasName is { } named)
        {
            var alias = await ModuleInputs.QualifyAliasAsync(named, "room_alias", client, [serverName], cancellationToken);
            roomId = await admin.ResolveAliasAsync(alias, cancellationToken);
            if (roomId is null)
            {
                return new JsonObject { ["changed"] = false, ["room"] = null, ["rooms"] = new JsonArray(), ["total"] = 0, ["msg"] = $"no room has the alias {alias}" };
            }
        }

        if (roomId is not null)
        {
            var room = await admin.GetRoomAsync(roomId, cancellationToken);
            if (room is not null)
            {
                room["members"] = await admin.RoomMembersAsync(roomId, cancellationToken);
            }

            return new JsonObject { ["changed"] = false, ["room"] = room, ["rooms"] = new JsonArray([.. room is null ? [] : new[] { (JsonNode)room.DeepClone() }]), ["total"] = room is null ? 0 : 1 };
        }

        var (rooms, total) = await admin.ListRoomsAsync(module.Str("search_term"), limit, cancellationToken);
        return new JsonObject { ["changed"] = false, ["rooms"] = new JsonArray([.. rooms]), ["total"] = total };
    }
}
