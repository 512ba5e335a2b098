namespace Solti.Matrix.Homeserver.Rooms;

/// <summary>What differs between the room versions this homeserver serves, by version (as Synapse's
/// <c>RoomVersion</c> flags).</summary>
public static class RoomVersionRules
{
    /// <summary>MSC3820 (version 11 and later): the create event has no <c>creator</c>; its sender is the creator.</summary>
    public static bool ImplicitCreator(string version) => version is "11" or "12";

    /// <summary>MSC4289 (version 12): the creators (the create event's sender and its <c>additional_creators</c>) have
    /// unlimited power and must not appear in the power levels' <c>users</c>.</summary>
    public static bool PrivilegedCreators(string version) => version == "12";

    /// <summary>MSC4291 (version 12): the room id is <c>!</c> and the create event's reference hash, with no server part.</summary>
    public static bool RoomIdIsHash(string version) => version == "12";
}
