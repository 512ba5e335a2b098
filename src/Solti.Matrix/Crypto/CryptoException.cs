namespace Solti.Matrix.Crypto;

/// <summary>Why a crypto operation refused: what a caller decides on (drop the message, replace the session, ask for
/// the key again) without reading the message text.</summary>
public enum CryptoFailure
{
    /// <summary>Not base64, the wrong length, or not the expected JSON.</summary>
    BadEncoding,

    /// <summary>A message that does not parse: unknown version, missing field, bad padding.</summary>
    BadMessage,

    /// <summary>The message authentication code does not match: tampered, or not this session's.</summary>
    BadMac,

    /// <summary>An Ed25519 signature does not verify.</summary>
    BadSignature,

    /// <summary>A Megolm message older than the session's first known index, or an Olm message whose key was used or
    /// dropped.</summary>
    UnknownMessageIndex,

    /// <summary>A pre-key message for a one-time key this account does not have (used, or never ours).</summary>
    UnknownOneTimeKey,

    /// <summary>A pre-key message that belongs to another session, or one from another identity key than expected.</summary>
    WrongSession,

    /// <summary>An Olm message further ahead in its chain than this session keeps keys for.</summary>
    MessageGapTooLarge,

    /// <summary>A Diffie-Hellman agreement with a key of small order (an all-zero shared secret).</summary>
    BadKey,

    /// <summary>A decrypted payload that fails the spec's checks (sender, recipient, keys).</summary>
    BadPayload,

    /// <summary>Exported state of an unknown version or shape.</summary>
    BadState,
}

/// <summary>A crypto operation refused; <see cref="Failure"/> says why. Never carries key material.</summary>
public sealed class CryptoException : Exception
{
    /// <summary>A refusal for <see cref="CryptoFailure.BadMessage"/>.</summary>
    public CryptoException()
        : this(CryptoFailure.BadMessage, "crypto operation refused")
    {
    }

    /// <summary>A refusal for <see cref="CryptoFailure.BadMessage"/>.</summary>
    public CryptoException(string message)
        : this(CryptoFailure.BadMessage, message)
    {
    }

    /// <summary>A refusal for <see cref="CryptoFailure.BadMessage"/>.</summary>
    public CryptoException(string message, Exception innerException)
        : this(CryptoFailure.BadMessage, message, innerException)
    {
    }

    /// <summary>A refusal.</summary>
    public CryptoException(CryptoFailure failure, string message, Exception? innerException = null)
        : base(message, innerException) => Failure = failure;

    /// <summary>Why.</summary>
    public CryptoFailure Failure { get; }
}
