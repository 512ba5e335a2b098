namespace Solti.Matrix.Homeserver.Admin.Users;

/// <summary>What a shadow-banned user's sends get, as in Synapse: a success with a made-up event id, and nothing stored or
/// delivered. Synapse also sleeps 1–10 s first to look busy; this server answers at once (tests never race the clock).</summary>
public static class ShadowBans
{
    /// <summary>Whether <paramref name="userId"/> is shadow-banned.</summary>
    public static bool IsBanned(ServerState state, string userId) => state.FindUser(userId) is { ShadowBanned: true };

    /// <summary>A random event id no event has, in Synapse's format.</summary>
    public static string FakeEventId() => Identifiers.EventId();
}
