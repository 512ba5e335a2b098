namespace Solti.Matrix.Homeserver.Admin.Rooms;

/// <summary>The admin API's room objects, computed from the room's current state.</summary>
public static class AdminRoomFormat
{
    /// <summary>An entry of <c>GET /_synapse/admin/v1/rooms</c> (the keys Synapse answers, see the recordings).</summary>
    public static JsonObject Summary(ServerContext server, RoomRecord room)
    {
        string? Content(string type, string key) =>
            server.Events.StateEvent(room, type, "")?.Content[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        var joined = server.Memberships.Members(room, "join").ToList();
        var create = server.Events.StateEvent(room, "m.room.create", "")?.Content;
        return new JsonObject
        {
            ["room_id"] = room.RoomId,
            ["name"] = Content("m.room.name", "name"),
            ["canonical_alias"] = Content("m.room.canonical_alias", "alias"),
            ["joined_members"] = joined.Count,
            ["joined_local_members"] = joined.Count(server.State.IsLocal),
            ["version"] = room.Version,
            ["creator"] = room.Creator,
            ["encryption"] = Content("m.room.encryption", "algorithm"),
            ["federatable"] = create?["m.federate"] is not JsonValue federate || federate.GetValue<bool>(),
            ["public"] = room.Public,
            ["join_rules"] = Content("m.room.join_rules", "join_rule"),
            ["guest_access"] = Content("m.room.guest_access", "guest_access"),
            ["history_visibility"] = Content("m.room.history_visibility", "history_visibility"),
            ["state_events"] = room.CurrentState.Count,
            ["room_type"] = create?["type"] is JsonValue type && type.TryGetValue<string>(out var t) ? t : null,
        };
    }

    /// <summary><c>GET /_synapse/admin/v1/rooms/{id}</c>: the summary plus avatar, topic and local devices.</summary>
    public static JsonObject Details(ServerContext server, RoomRecord room)
    {
        var details = Summary(server, room);
        details["avatar"] = server.Events.StateEvent(room, "m.room.avatar", "")?.Content["url"]?.DeepClone();
        details["topic"] = server.Events.StateEvent(room, "m.room.topic", "")?.Content["topic"]?.DeepClone();
        details["joined_local_devices"] = server.Memberships.Members(room, "join").Where(server.State.IsLocal).Sum(u => server.State.DevicesOf(u).Count());
        details["forgotten"] = false;
        return details;
    }
}
