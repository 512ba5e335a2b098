namespace Solti.Matrix.Homeserver.Rooms;

/// <summary>The validated body of <c>POST /createRoom</c>.</summary>
public sealed record CreateRoomRequest(
    string? Alias,
    string? Name,
    string? Topic,
    string Preset,
    string Visibility,
    IReadOnlyList<string> Invite,
    IReadOnlyList<InitialStateEvent> InitialState,
    JsonObject? PowerLevelContentOverride,
    JsonObject? CreationContent,
    string? RoomVersion)
{
    public static CreateRoomRequest Parse(JsonObject body, string serverName)
    {
        var visibility = Json.OptionalString(body, "visibility") ?? "private";
        if (visibility is not ("public" or "private"))
        {
            throw Errors.BadJson("'visibility' must be 'public' or 'private'");
        }

        var preset = Json.OptionalString(body, "preset") ?? (visibility == "public" ? "public_chat" : "private_chat");
        if (preset is not ("private_chat" or "public_chat" or "trusted_private_chat"))
        {
            throw Errors.BadJson($"Unknown preset: {preset}");
        }

        var aliasName = Json.OptionalString(body, "room_alias_name");
        if (aliasName is not null && (aliasName.Length == 0 || aliasName.Contains(':', StringComparison.Ordinal) || aliasName.Any(char.IsWhiteSpace)))
        {
            throw Errors.InvalidParam("Invalid characters in room alias");
        }

        var invite = new List<string>();
        if (body["invite"] is { } inviteNode)
        {
            if (inviteNode is not JsonArray invites)
            {
                throw Errors.BadJson("'invite' must be a list of user ids");
            }

            foreach (var item in invites)
            {
                var userId = item is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw Errors.BadJson("'invite' must be a list of user ids");
                invite.Add(MatrixIds.RequireUserId(userId, "user ID"));
            }
        }

        var initialState = new List<InitialStateEvent>();
        if (body["initial_state"] is { } stateNode)
        {
            if (stateNode is not JsonArray states)
            {
                throw Errors.BadJson("'initial_state' must be a list of state events");
            }

            foreach (var item in states)
            {
                if (item is not JsonObject ev || Json.OptionalString(ev, "type") is not { } type || ev["content"] is not JsonObject content)
                {
                    throw Errors.BadJson("'initial_state' events need 'type' and 'content'");
                }

                initialState.Add(new InitialStateEvent(type, Json.OptionalString(ev, "state_key") ?? "", (JsonObject)content.DeepClone()));
            }
        }

        return new CreateRoomRequest(
            aliasName is null ? null : $"#{aliasName}:{serverName}",
            Json.OptionalString(body, "name"),
            Json.OptionalString(body, "topic"),
            preset,
            visibility,
            invite,
            initialState,
            Json.OptionalObject(body, "power_level_content_override"),
            Json.OptionalObject(body, "creation_content"),
            Json.OptionalString(body, "room_version"));
    }
}
