namespace Solti.Matrix.Encryption;

/// <summary>An event that cannot be sent as asked because of encryption (the room is encrypted and encrypting cannot be
/// done here, or <see cref="EncryptionMode.Required"/> and the room is not encrypted): nothing was sent, never in
/// plaintext.</summary>
public sealed class EncryptionException(string message) : InvalidOperationException(message);
