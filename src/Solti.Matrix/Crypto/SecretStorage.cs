using System.Text;

namespace Solti.Matrix.Crypto;

/// <summary>Secret storage's one algorithm, <c>m.secret_storage.v1.aes-hmac-sha2</c> (spec, client-server API, "Secret
/// storage"): from the storage key and the secret's name, HKDF-SHA-256 with a zero salt derives 64 bytes, the AES-256
/// key then the HMAC-SHA-256 key; the secret is AES-256-CTR under a random 16-byte IV whose bit 63 is cleared (so the
/// 64-bit counter of the other clients never wraps), and authenticated by the HMAC of the ciphertext. The item is
/// <c>{"iv", "ciphertext", "mac"}</c> in standard base64, written padded as matrix-js-sdk and Element write it, read
/// padded or not. A key's description carries the key check: the encryption of 32 zero bytes under the empty name, its
/// <c>iv</c> and <c>mac</c>.</summary>
public static class SecretStorage
{
    /// <summary>The algorithm of the key description and of every item it encrypts.</summary>
    public const string Algorithm = "m.secret_storage.v1.aes-hmac-sha2";

    private const int IvLength = 16;

    /// <summary>The <c>encrypted.{keyId}</c> item of secret <paramref name="name"/> (its UTF-8 bytes encrypted).</summary>
    public static JsonObject Encrypt(RecoveryKey key, string name, string secret, IRandomSource? random = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        Span<byte> iv = stackalloc byte[IvLength];
        (random ?? KernelRandom.Instance).Fill(iv);
        iv[8] &= 0x7f;
        return Encrypt(key, name, Encoding.UTF8.GetBytes(secret), iv);
    }

    /// <summary>The secret an item holds, once its MAC checks (in constant time); <see cref="CryptoException"/>
    /// (<see cref="CryptoFailure.BadMac"/>: another key or a changed item; <see cref="CryptoFailure.BadEncoding"/>)
    /// otherwise.</summary>
    public static string Decrypt(RecoveryKey key, string name, JsonObject item)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(item);
        var iv = UnpaddedBase64.DecodeExact(Text(item, "iv"), IvLength, "the secret's iv");
        var ciphertext = UnpaddedBase64.TryDecode(Text(item, "ciphertext"), out var c) ? c : throw new CryptoException(CryptoFailure.BadEncoding, "the secret's ciphertext is not base64");
        var mac = UnpaddedBase64.DecodeExact(Text(item, "mac"), Primitives.Sha256Length, "the secret's mac");
        var keys = Keys(key, name);
        if (!Primitives.FixedTimeEquals(Primitives.HmacSha256(keys.AsSpan(32), ciphertext), mac))
        {
            throw new CryptoException(CryptoFailure.BadMac, $"secret {name} does not decrypt with this key: its MAC does not match");
        }

        return Encoding.UTF8.GetString(Primitives.AesCtr(keys.AsSpan(0, 32), iv, ciphertext));
    }

    /// <summary>The description of a new storage key (account data <c>m.secret_storage.key.{keyId}</c>): its algorithm
    /// and key check.</summary>
    public static JsonObject KeyDescription(RecoveryKey key, IRandomSource? random = null)
    {
        var check = Encrypt(key, "", new string('\0', 32), random);
        return new JsonObject { ["algorithm"] = Algorithm, ["iv"] = check["iv"]!.DeepClone(), ["mac"] = check["mac"]!.DeepClone() };
    }

    /// <summary>Whether <paramref name="key"/> is the key <paramref name="description"/> describes: its key check made
    /// again with the description's IV gives its MAC. A description of another algorithm, or without a check, is
    /// refused (<see cref="CryptoException"/>): nothing says the key is right.</summary>
    public static bool IsKeyOf(RecoveryKey key, JsonObject description)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(description);
        if (Text(description, "algorithm") != Algorithm)
        {
            throw new CryptoException(CryptoFailure.BadEncoding, $"the secret storage key is not {Algorithm}");
        }

        var iv = UnpaddedBase64.DecodeExact(Text(description, "iv"), IvLength, "the key check's iv");
        var mac = UnpaddedBase64.DecodeExact(Text(description, "mac"), Primitives.Sha256Length, "the key check's mac");
        var check = Encrypt(key, "", new byte[32], iv);
        return Primitives.FixedTimeEquals(UnpaddedBase64.Decode(check["mac"]!.GetValue<string>()), mac);
    }

    private static JsonObject Encrypt(RecoveryKey key, string name, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> iv)
    {
        var keys = Keys(key, name);
        var ciphertext = Primitives.AesCtr(keys.AsSpan(0, 32), iv, plaintext);
        var mac = Primitives.HmacSha256(keys.AsSpan(32), ciphertext);
        return new JsonObject { ["iv"] = Convert.ToBase64String(iv), ["ciphertext"] = Convert.ToBase64String(ciphertext), ["mac"] = Convert.ToBase64String(mac) };
    }

    /// <summary>The AES key then the HMAC key of secret <paramref name="name"/> (HKDF's zero salt: the spec's 32 zero
    /// bytes and js-sdk's 8 are both the hash's block of zeros).</summary>
    private static byte[] Keys(RecoveryKey key, string name) => Primitives.Hkdf(key.Bytes, [], Encoding.UTF8.GetBytes(name), 64);

    private static string? Text(JsonObject obj, string name) =>
        obj[name] is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;
}
