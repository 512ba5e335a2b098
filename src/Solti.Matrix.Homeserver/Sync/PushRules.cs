namespace Solti.Matrix.Homeserver.Sync;

/// <summary>The server-default push rules (the spec's predefined rules) that <c>GET /pushrules/</c> and an initial sync's
/// <c>m.push_rules</c> answer; rules are not editable here.</summary>
public static class PushRules
{
    public static JsonObject Defaults(string userId)
    {
        var localpart = Identifiers.Localpart(userId);
        return new JsonObject
        {
            ["global"] = new JsonObject
            {
                ["underride"] = new JsonArray(
                    Rule(".m.rule.call", [EventMatch("type", "m.call.invite")], Notify(sound: "ring")),
                    Rule(".m.rule.room_one_to_one", [MemberCount("2"), EventMatch("type", "m.room.message")], Notify(sound: "default")),
                    Rule(".m.rule.encrypted_room_one_to_one", [MemberCount("2"), EventMatch("type", "m.room.encrypted")], Notify(sound: "default")),
                    Rule(".m.rule.message", [EventMatch("type", "m.room.message")], Notify()),
                    Rule(".m.rule.encrypted", [EventMatch("type", "m.room.encrypted")], Notify())),
                ["sender"] = new JsonArray(),
                ["room"] = new JsonArray(),
                ["content"] = new JsonArray(new JsonObject
                {
                    ["actions"] = Notify(sound: "default", highlight: true),
                    ["pattern"] = localpart,
                    ["rule_id"] = ".m.rule.contains_user_name",
                    ["default"] = true,
                    ["enabled"] = true,
                }),
                ["override"] = new JsonArray(
                    Rule(".m.rule.master", [], [], enabled: false),
                    Rule(".m.rule.suppress_notices", [EventMatch("content.msgtype", "m.notice")], []),
                    Rule(".m.rule.invite_for_me", [EventMatch("type", "m.room.member"), EventMatch("content.membership", "invite"), EventMatch("state_key", userId)], Notify(sound: "default")),
                    Rule(".m.rule.member_event", [EventMatch("type", "m.room.member")], []),
                    Rule(".m.rule.contains_display_name", [new JsonObject { ["kind"] = "contains_display_name" }], Notify(sound: "default", highlight: true)),
                    Rule(".m.rule.tombstone", [EventMatch("type", "m.room.tombstone"), EventMatch("state_key", "")], Notify(highlight: true)),
                    Rule(".m.rule.roomnotif", [EventMatch("content.body", "@room"), new JsonObject { ["kind"] = "sender_notification_permission", ["key"] = "room" }], Notify(highlight: true)),
                    Rule(".m.rule.reaction", [EventMatch("type", "m.reaction")], []),
                    Rule(".m.rule.room.server_acl", [EventMatch("type", "m.room.server_acl"), EventMatch("state_key", "")], [])),
            },
        };
    }

    private static JsonObject Rule(string id, JsonNode[] conditions, JsonArray actions, bool enabled = true) => new()
    {
        ["conditions"] = new JsonArray(conditions),
        ["actions"] = actions,
        ["rule_id"] = id,
        ["default"] = true,
        ["enabled"] = enabled,
    };

    private static JsonObject EventMatch(string key, string pattern) => new() { ["kind"] = "event_match", ["key"] = key, ["pattern"] = pattern };

    private static JsonObject MemberCount(string count) => new() { ["kind"] = "room_member_count", ["is"] = count };

    private static JsonArray Notify(string? sound = null, bool highlight = false)
    {
        var actions = new JsonArray("notify");
        if (sound is not null)
        {
            actions.Add(new JsonObject { ["set_tweak"] = "sound", ["value"] = sound });
        }

        actions.Add(highlight ? new JsonObject { ["set_tweak"] = "highlight" } : new JsonObject { ["set_tweak"] = "highlight", ["value"] = false });
        return actions;
    }
}
