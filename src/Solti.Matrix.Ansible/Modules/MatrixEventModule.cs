using Solti.Matrix.Encryption;
using Solti.Matrix.Errors;
using Solti.Matrix.Events;
using Solti.Matrix.Formatting;
using Solti.Matrix.Outbox;

namespace Solti.Matrix.Ansible.Modules;

/// <summary><c>matrix_event</c>: post one event to a room, healing the bot's session when its token is stale. The content
/// is given as is, or built from a SOLTI schema and its data (validated, with the schema's body). With <c>spool</c>, an
/// event that cannot be delivered within the call's budget is queued in the durable outbox instead of failing.</summary>
public sealed class MatrixEventModule : IModule
{
    public string Name => "matrix_event";

    public ArgumentSpec Spec { get; } = new(new Dictionary<string, OptionSpec>(ConnectionOptions.Shared)
    {
        ["user_id"] = new(),
        ["password"] = new() { NoLog = true },
        ["device_id"] = new(),
        ["room_id"] = new() { Required = true },
        ["content"] = new(OptionType.Dict),
        ["schema"] = new(),
        ["data"] = new(OptionType.Dict),
        ["source"] = new(),
        ["validate"] = new(OptionType.Bool) { Default = true },
        ["html"] = new(OptionType.Bool) { Default = false },
        ["format"] = new() { Default = "text", Choices = [.. FormattedBody.Formats] },
        ["schema_dir"] = new(OptionType.Path),
        ["spool"] = new() { Default = "never", Choices = ["never", "on_failure", "always"] },
        ["outbox"] = new(OptionType.Path),
        ["event_type"] = new() { Default = "m.room.message" },
        ["state"] = new() { Default = "present", Choices = ["present", "absent"] },
        ["transaction_id"] = new(),
        ["encryption"] = new() { Default = "auto", Choices = ["auto", "required"] },
        ["recovery_key"] = new() { NoLog = true },
        ["template"] = new(),
        ["attachments"] = new(OptionType.List) { Elements = OptionType.Dict, Default = new JsonArray() },
        ["correlation_id"] = new(),
        ["thread_root"] = new(),
        ["reply_to"] = new(),
        ["replaces"] = new(),
    })
    {
        RequiredTogether = [["user_id", "password"], ["schema", "data"]],
        RequiredOneOf = [["content", "schema"]],
        MutuallyExclusive = [["content", "schema"], ["content", "template"], ["thread_root", "reply_to", "replaces"]],
    };

    public async Task<JsonObject> RunAsync(AnsibleModule module, CancellationToken cancellationToken)
    {
        var room = MatrixId.Require(MatrixIdKind.RoomOrAlias, module.Str("room_id"), "room_id");
        var eventType = MatrixId.Require(MatrixIdKind.EventType, module.Str("event_type") ?? "m.room.message", "event_type");
        if (module.Str("state") == "absent")
        {
            return new JsonObject { ["changed"] = false, ["msg"] = "state=absent: events cannot be removed; nothing to do", ["event_type"] = eventType };
        }

        var content = Content(module);
        var attachments = Attachments(module);
        using var client = ConnectionOptions.Client(module, "user_id", "password", module.Str("device_id"));
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

        var encryption = module.Str("encryption") == "required" ? EncryptionMode.Required : EncryptionMode.Auto;
        JsonObject sent;
        try
        {
            sent = await SpooledSend.SendAsync(client, () => new OutboxStore(module.Str("outbox") ?? OutboxStore.DefaultPath()), room, eventType, content, module.Str("transaction_id"), module.Str("spool")!, cancellationToken, encryption, Links(module), attachments);
        }
        catch (ConversationException e)
        {
            throw new ModuleFailedException(e.Message);
        }

        foreach (var (key, value) in sent)
        {
            result[key] = value?.DeepClone();
        }

        if (sent["queued"] is JsonValue queued && queued.GetValue<bool>() && sent["queued_because"] is JsonValue because)
        {
            module.Warn($"the event could not be delivered now ({because.GetValue<string>()}); it is queued in the outbox with transaction id {sent["transaction_id"]} and the relay (or `solti-matrix outbox flush`) delivers it");
        }

        return result;
    }

    /// <summary><c>attachments</c>: each <c>{path | content, name, mimetype}</c>, a file on the target or inline text (a
    /// log tail), checked readable now; errors name <c>attachments[N]</c>.</summary>
    private static List<Media.Attachment> Attachments(AnsibleModule module)
    {
        var list = new List<Media.Attachment>();
        foreach (var (node, i) in (module.Params["attachments"] as JsonArray ?? []).Select((n, i) => (n as JsonObject, i)))
        {
            var at = $"attachments[{i}]";
            string? Field(string name) => node?[name] switch
            {
                null => null,
                JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
                _ => throw new ModuleFailedException($"{at}.{name} must be a string"),
            };

            var unknown = node?.Select(p => p.Key).Except(["path", "content", "name", "mimetype"]).ToList() ?? [];
            if (unknown.Count > 0)
            {
                throw new ModuleFailedException($"{at}: unknown key {string.Join(", ", unknown)} (expected path or content, name, mimetype)");
            }

            var (path, text, name, mimetype) = (Field("path"), Field("content"), Field("name"), Field("mimetype"));
            try
            {
                var attachment = (path, text) switch
                {
                    ({ Length: > 0 }, null) => Media.Attachment.FromFile(path, name, mimetype),
                    (null, not null) => Media.Attachment.FromContent(text, string.IsNullOrEmpty(name) ? throw new ModuleFailedException($"{at}: inline content needs a name") : name, mimetype),
                    _ => throw new ModuleFailedException($"{at}: give exactly one of path and content"),
                };
                attachment.Check(at);
                list.Add(attachment);
            }
            catch (ArgumentException e)
            {
                throw new ModuleFailedException(e.Message);
            }
        }

        return list;
    }

    /// <summary>The conversation the event takes part in: <c>correlation_id</c>, and one of <c>thread_root</c>,
    /// <c>reply_to</c>, <c>replaces</c> (an event id, or a correlation id whose first event is meant).</summary>
    private static ConversationLinks Links(AnsibleModule module)
    {
        return new(module.Str("correlation_id") is { Length: > 0 } id ? Sending.Conversation.Correlation(id) : null, Sending.Conversation.Relation(module.Str));
    }

    /// <summary>The content as given (its <c>body</c> formatted as <c>format</c> says), or the SOLTI envelope built from <c>schema</c>, <c>data</c> and <c>source</c>.</summary>
    private static JsonObject Content(AnsibleModule module)
    {
        if (module.Dict("content") is { } content)
        {
            try
            {
                FormattedBody.Apply(content, module.Str("format")!, "format");
            }
            catch (ArgumentException e)
            {
                throw new ModuleFailedException(e.Message + " (content.body)");
            }

            return content;
        }

        try
        {
            var registry = SchemaRegistry.Load(module.Str("schema_dir"));
            return SoltiEvent.Build(registry, module.Str("schema")!, module.Dict("data")!, module.Str("source") ?? Environment.MachineName,
                validate: module.Bool("validate"), html: module.Bool("html"), correlationId: module.Str("correlation_id") is { Length: > 0 } id ? id : null,
                template: module.Str("template"), format: module.Str("format")!);
        }
        catch (SchemaValidationException e)
        {
            throw new ModuleFailedException($"data does not match schema {module.Str("schema")}: {string.Join("; ", e.Errors)}", new JsonObject { ["errors"] = new JsonArray([.. e.Errors.Select(x => (JsonNode)x)]) });
        }
        catch (SchemaException e)
        {
            throw new ModuleFailedException("schema_dir: " + e.Message);
        }
        catch (ArgumentException e)
        {
            throw new ModuleFailedException(e.Message);
        }
    }

    /// <summary>Resolves the room and checks membership with the given token when there is one and it works; never logs in,
    /// posts nothing.</summary>
    private static async Task CheckAsync(AnsibleModule module, MatrixClient client, string room, JsonObject result, CancellationToken cancellationToken)
    {
        result["reauthenticated"] = false;
        if (!ConnectionOptions.HasToken(module))
        {
            module.Warn("check mode: no access_token was given, so the room and membership were not verified (check mode never logs in)");
            return;
        }

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
        catch (MatrixException e) when (e.Kind == FailureKind.Token)
        {
            module.Warn("check mode: the given access_token was rejected, so the room and membership were not verified (check mode never logs in)");
        }
    }
}
