using Solti.Matrix.Errors;

namespace Solti.Matrix.Ansible.Modules;

/// <summary><c>synapse_media_info</c>: a user's media (every page up to <c>limit</c>, in Synapse's order), a room's media
/// (local and remote mxc URIs; Synapse skips encrypted events), or one medium. Read-only.</summary>
public sealed class SynapseMediaInfoModule : IModule
{
    public string Name => "synapse_media_info";

    public ArgumentSpec Spec { get; } = new(new Dictionary<string, OptionSpec>(ConnectionOptions.SharedAdmin)
    {
        ["media_id"] = new(),
        ["room_id"] = new(),
        ["user_id"] = new(),
        ["order_by"] = new() { Choices = ["media_id", "upload_name", "created_ts", "last_access_ts", "media_length", "media_type", "quarantined_by", "safe_from_quarantine"] },
        ["dir"] = new() { Choices = ["f", "b"] },
        ["limit"] = new(OptionType.Int),
    })
    {
        MutuallyExclusive = [["media_id", "room_id"], ["room_id", "user_id"]],
        RequiredOneOf = [["media_id", "room_id", "user_id"]],
    };

    public async Task<JsonObject> RunAsync(AnsibleModule module, CancellationToken cancellationToken)
    {
        var limit = ModuleInputs.Limit(module);
        var medium = module.Str("media_id") is { } given ? SynapseMediaModule.Medium(given, "media_id") : default(MediumRef?);
        var roomId = module.Str("room_id") is { } room ? MatrixId.Require(MatrixIdKind.Room, room, "room_id") : null;
        var userId = module.Str("user_id") is { } user ? MatrixId.Require(MatrixIdKind.User, user, "user_id") : null;
        var (client, admin) = ConnectionOptions.AdminClient(module);
        using var _ = client;
        if (medium is { } one)
        {
            var (info, known, note) = await SynapseMediaModule.ReadOneAsync(admin, one, userId, cancellationToken);
            if (!known)
            {
                throw new MatrixException(400, MatrixErrorCodes.Unrecognized, "querying one medium needs Synapse 1.140 or later: give user_id (the uploader) to find it in the user's media list");
            }

            return new JsonObject
            {
                ["changed"] = false,
                ["media"] = new JsonArray([.. info is null ? [] : new[] { (JsonNode)info.DeepClone() }]),
                ["total"] = info is null ? 0 : 1,
                ["note"] = note,
            };
        }

        if (roomId is not null)
        {
            var (local, remote) = await admin.RoomMediaAsync(roomId, cancellationToken);
            return new JsonObject
            {
                ["changed"] = false,
                ["local"] = new JsonArray([.. local.Take(limit).Select(m => (JsonNode)m)]),
                ["remote"] = new JsonArray([.. remote.Take(limit).Select(m => (JsonNode)m)]),
                ["total"] = local.Count + remote.Count,
                ["note"] = "Synapse lists a room's media from its unencrypted events: media sent in encrypted events are not included",
            };
        }

        var (media, total) = await admin.UserMediaAsync(userId!, module.Str("order_by"), module.Str("dir"), limit, cancellationToken);
        return new JsonObject { ["changed"] = false, ["media"] = new JsonArray([.. media.Select(m => (JsonNode)m)]), ["total"] = total };
    }
}
