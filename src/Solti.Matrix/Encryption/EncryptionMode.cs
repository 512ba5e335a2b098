namespace Solti.Matrix.Encryption;

/// <summary>When an event is encrypted: <see cref="Auto"/> exactly when the room is encrypted (never plaintext into an
/// encrypted room), <see cref="Required"/> the same but a room that is not encrypted is refused.</summary>
public enum EncryptionMode
{
    /// <summary>Encrypt exactly when the room is encrypted.</summary>
    Auto,

    /// <summary>Encrypt; refuse a room that is not encrypted.</summary>
    Required,
}

/// <summary>The event to put into the room: its type and content as they go out (<c>m.room.encrypted</c> when
/// <see cref="Encrypted"/>), and the devices that were given no room key, each with why
/// (<c>@user:server DEVICE (m.unverified: …)</c>).</summary>
public sealed record PreparedEvent(string Type, JsonObject Content, bool Encrypted, IReadOnlyList<string> WithheldDevices);

/// <summary>An event on its way to a room: its type, content and when it must be encrypted.</summary>
public sealed record OutgoingEvent(string Type, JsonObject Content, EncryptionMode Mode);
