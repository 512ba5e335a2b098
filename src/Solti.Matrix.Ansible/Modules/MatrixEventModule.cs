using System.Text.Json.Nodes;
using Solti.Matrix.Ansible.Host;
using Solti.Matrix.Errors;

namespace Solti.Matrix.Ansible.Modules;

/// <summary><c>matrix_event</c>: post one event to a room, healing the bot's session when its token is stale.</summary>
public sealed class MatrixEventModule : IModule
{
    public string Name => "matrix_event";

    public ArgumentSpec Spec { get; } = new(new Dictionary<string, OptionSpec>(ConnectionOptions.Shared)
    {
        ["user_id"] = new(),
        ["password"] = new() { NoLog = true },
        ["device_id"] = new(),
        ["room_id"] = new() { Required = true },
        ["content"] = new(OptionType.Dict) { Required = true },
        ["event_type"] = new() { Default = "m.room.message" },
        ["state"] = new() { Default = "present", Choices = ["present", "absent"] },
        ["transaction_id"] = new(),
    })
    {
        RequiredTogether = [["user_id", "password"]],
    };

    public async Task<JsonObject> RunAsync(AnsibleModule module, CancellationToken cancellationToken)
    {
        var room = module.Str("room_id")!;
        if (!(room.StartsWith('!') || room.StartsWith('#')) || !room.Contains(':', StringComparison.Ordinal))
        {
            throw new ModuleFailedException($"room_id must be a room id (!id:server) or an alias (#alias:server), got '{room}'");
        }

        var eventType = module.Str("event_type") ?? "m.room.message";
        if (module.Str("state") == "absent")
        {
            return new JsonObject { ["changed"] = false, ["msg"] = "state=absent: events cannot be removed; nothing to do", ["event_type"] = eventType };
        }

        var content = module.Dict("content")!;
        using var client = ConnectionOptions.Client(module, module.Str("user_id"), module.Str("password"), module.Str("device_id"));
        var result = new JsonObject { ["changed"] = true, ["event_type"] = eventType };
        if (module.DiffMode)
        {
            result["diff"] = new JsonObject
            {
                ["before"] = "",
                ["after"] = new JsonObject { ["room_id"] = room, ["event_type"] = eventType, ["content"] = content.DeepClone() },
            };
        }

        if (module.CheckMode)
        {
            await CheckAsync(module, client, room, result, cancellationToken);
            return result;
        }

        var sent = await client.SendEventAsync(room, eventType, content, module.Str("transaction_id"), cancellationToken: cancellationToken);
        result["event_id"] = sent.EventId;
        result["room_id"] = sent.RoomId;
        result["transaction_id"] = sent.TransactionId;
        result["reauthenticated"] = sent.Reauthenticated;
        return result;
    }

    /// <summary>Resolves the room and checks membership with the given token when it works; never logs in, posts nothing.</summary>
    private static async Task CheckAsync(AnsibleModule module, MatrixClient client, string room, JsonObject result, CancellationToken cancellationToken)
    {
        result["reauthenticated"] = false;
        try
        {
            var roomId = await client.ResolveRoomAsync(room, cancellationToken);
            result["room_id"] = roomId;
            var me = (await client.WhoAmIAsync(cancellationToken))["user_id"]?.GetValue<string>();
            var members = await client.JoinedMembersAsync(roomId, cancellationToken);
            if (me is not null && !members.ContainsKey(me))
            {
                throw new ModuleFailedException($"check mode: {me} is not joined to {roomId}, so the event could not be posted", new JsonObject { ["room_id"] = roomId });
            }
        }
        catch (MatrixException e) when (e.IsTokenError || e is SessionRecoveryException)
        {
            module.Warn("check mode: the given access_token was rejected, so the room and membership were not verified (check mode never logs in)");
        }
    }
}
