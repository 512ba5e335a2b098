namespace Solti.Matrix.Homeserver.Sync;

/// <summary>A user's account data, global or per room; each write takes a stream position, so sync reports it and a
/// long poll wakes for it.</summary>
public static class AccountData
{
    private static string Key(string userId, string? roomId, string type) => string.Join('\u001f', userId, roomId ?? "", type);

    public static void Set(ServerState state, string userId, string? roomId, string type, JsonObject content) =>
        state.Data.AccountData[Key(userId, roomId, type)] = new AccountDataRecord
        {
            Position = state.NextPosition(),
            UserId = userId,
            RoomId = roomId,
            Type = type,
            Content = (JsonObject)content.DeepClone(),
        };

    public static AccountDataRecord? Get(ServerState state, string userId, string? roomId, string type) =>
        state.Data.AccountData.GetValueOrDefault(Key(userId, roomId, type));

    /// <summary>The user's account data for the room (global when null) written from <paramref name="since"/> on (all when null).</summary>
    public static IEnumerable<AccountDataRecord> Changes(ServerState state, string userId, string? roomId, long? since) =>
        state.Data.AccountData.Values
            .Where(r => r.UserId == userId && r.RoomId == roomId && (since is null || r.Position >= since))
            .OrderBy(r => r.Position);

    public static JsonObject Render(AccountDataRecord record) => new() { ["type"] = record.Type, ["content"] = record.Content.DeepClone() };
}
