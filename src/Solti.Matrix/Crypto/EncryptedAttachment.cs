namespace Solti.Matrix.Crypto;

/// <summary>The client-server spec's <c>EncryptedFile</c> (version <c>v2</c>): an attachment for an encrypted room is
/// encrypted with AES-256-CTR under a new random 256-bit key, whose first counter block is 8 random bytes followed by 8
/// zero bytes (the 64-bit counter Web Crypto's <c>AES-CTR</c> with <c>length: 64</c> increments), and described by
/// <c>{url, key: JWK, iv, hashes: {sha256}, v}</c>, which goes into the Megolm-encrypted event only. The ciphertext is
/// as long as the plaintext. Streaming: <see cref="Encrypt"/> encrypts as the upload reads and hashes what it produced;
/// <see cref="Decrypt(JsonObject, Stream, Stream)"/> checks the hash before it writes a byte of plaintext.
/// <see cref="ToString"/> never shows the key.</summary>
public sealed class EncryptedAttachment
{
    /// <summary>The version of <c>EncryptedFile</c> written and read.</summary>
    public const string Version = "v2";

    private const int KeyLength = 32;
    private const int IvLength = 16;

    private readonly byte[] _key;
    private readonly byte[] _iv;

    private EncryptedAttachment(byte[] key, byte[] iv)
    {
        _key = key;
        _iv = iv;
    }

    /// <summary>A new key and counter block for one attachment, from <paramref name="random"/> (the kernel's by
    /// default): the key's 32 bytes and the first 8 bytes of the counter block random, its last 8 zero.</summary>
    public static EncryptedAttachment Create(IRandomSource? random = null)
    {
        var source = random ?? KernelRandom.Instance;
        var key = new byte[KeyLength];
        var iv = new byte[IvLength];
        source.Fill(key);
        source.Fill(iv.AsSpan(0, 8));
        return new EncryptedAttachment(key, iv);
    }

    /// <summary>The ciphertext of <paramref name="plaintext"/> as a read-only stream of <paramref name="length"/>
    /// bytes, encrypted as it is read and hashed (<see cref="CiphertextStream.Sha256"/>); each call starts over from
    /// the first counter block, so every stream of the same plaintext gives the same ciphertext. The stream owns
    /// <paramref name="plaintext"/>, and fails when it ends before or after <paramref name="length"/> bytes.</summary>
    public CiphertextStream Encrypt(Stream plaintext, long length) => new(plaintext, length, Cipher(_key, _iv));

    /// <summary>The spec's <c>EncryptedFile</c> of the ciphertext uploaded as <paramref name="mxcUrl"/> whose SHA-256 is
    /// <paramref name="ciphertextSha256"/>: <c>{url, key: {kty: "oct", key_ops: ["encrypt", "decrypt"], alg: "A256CTR",
    /// k, ext: true}, iv, hashes: {sha256}, v: "v2"}</c> (<c>k</c> unpadded base64url, the rest unpadded base64). It
    /// holds the key: it goes into an encrypted event only.</summary>
    public JsonObject File(string mxcUrl, byte[] ciphertextSha256) => new()
    {
        ["url"] = mxcUrl,
        ["key"] = new JsonObject
        {
            ["kty"] = "oct",
            ["key_ops"] = new JsonArray("encrypt", "decrypt"),
            ["alg"] = "A256CTR",
            ["k"] = Base64Url(_key),
            ["ext"] = true,
        },
        ["iv"] = UnpaddedBase64.Encode(_iv),
        ["hashes"] = new JsonObject { ["sha256"] = UnpaddedBase64.Encode(ciphertextSha256) },
        ["v"] = Version,
    };

    /// <summary>Writes the plaintext of <paramref name="ciphertext"/> (read from its current position to its end; it
    /// must be seekable) to <paramref name="plaintext"/>, once its SHA-256 matches <paramref name="file"/>'s
    /// <c>hashes.sha256</c>: nothing is written otherwise. <see cref="CryptoException"/> when the description is not a
    /// v2 <c>EncryptedFile</c> with an A256CTR key (<see cref="CryptoFailure.BadEncoding"/>) or the hash differs
    /// (<see cref="CryptoFailure.BadMac"/>).</summary>
    public static void Decrypt(JsonObject file, Stream ciphertext, Stream plaintext)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        ArgumentNullException.ThrowIfNull(plaintext);
        var (key, iv, hash) = Read(file);
        if (!ciphertext.CanSeek)
        {
            throw new ArgumentException("the ciphertext must be seekable: its hash is checked before it is decrypted", nameof(ciphertext));
        }

        var start = ciphertext.Position;
        var digest = new Primitives.IncrementalSha256();
        var buffer = new byte[81920];
        int read;
        while ((read = ciphertext.Read(buffer)) > 0)
        {
            digest.Update(buffer.AsSpan(0, read));
        }

        var actual = digest.Finish();
        if (!Primitives.FixedTimeEquals(actual, hash))
        {
            throw new CryptoException(CryptoFailure.BadMac, "the attachment's SHA-256 is not the one its EncryptedFile names: altered or not this file; nothing was decrypted");
        }

        ciphertext.Position = start;
        var cipher = Cipher(key, iv);
        while ((read = ciphertext.Read(buffer)) > 0)
        {
            cipher.Apply(buffer.AsSpan(0, read));
            plaintext.Write(buffer, 0, read);
        }
    }

    /// <summary>The plaintext of <paramref name="ciphertext"/>, checked as <see cref="Decrypt(JsonObject, Stream, Stream)"/>.</summary>
    public static byte[] Decrypt(JsonObject file, byte[] ciphertext)
    {
        using var input = new MemoryStream(ciphertext, writable: false);
        using var output = new MemoryStream(ciphertext.Length);
        Decrypt(file, input, output);
        return output.ToArray();
    }

    /// <summary>The <c>mxc://</c> URL an <c>EncryptedFile</c> names; <see cref="CryptoException"/> when it names none.</summary>
    public static string UrlOf(JsonObject file) =>
        file["url"] is JsonValue v && v.TryGetValue<string>(out var url) && url.StartsWith("mxc://", StringComparison.Ordinal)
            ? url
            : throw new CryptoException(CryptoFailure.BadEncoding, "the EncryptedFile names no mxc:// url");

    /// <summary>No key material.</summary>
    public override string ToString() => "EncryptedAttachment(A256CTR, v2)";

    private static (byte[] Key, byte[] Iv, byte[] Sha256) Read(JsonObject file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (Text(file["v"]) != Version)
        {
            throw new CryptoException(CryptoFailure.BadEncoding, $"the EncryptedFile's version is {file["v"]?.ToJsonString() ?? "missing"}, not \"{Version}\"");
        }

        if (file["key"] is not JsonObject jwk || Text(jwk["kty"]) != "oct" || Text(jwk["alg"]) != "A256CTR")
        {
            throw new CryptoException(CryptoFailure.BadEncoding, "the EncryptedFile's key is not an A256CTR JWK (kty oct)");
        }

        if (jwk["key_ops"] is not JsonArray ops || !ops.Any(o => Text(o) == "decrypt"))
        {
            throw new CryptoException(CryptoFailure.BadEncoding, "the EncryptedFile's key does not allow decrypt (key_ops)");
        }

        var key = FromBase64Url(Text(jwk["k"]), KeyLength) ?? throw new CryptoException(CryptoFailure.BadEncoding, "the EncryptedFile's key is not 32 bytes of base64url");
        var iv = UnpaddedBase64.DecodeExact(Text(file["iv"]), IvLength, "the EncryptedFile's iv");
        var hash = UnpaddedBase64.DecodeExact(Text(file["hashes"]?["sha256"]), Primitives.Sha256Length, "the EncryptedFile's hashes.sha256");
        return (key, iv, hash);
    }

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static string Base64Url(ReadOnlySpan<byte> bytes) => UnpaddedBase64.Encode(bytes).Replace('+', '-').Replace('/', '_');

    /// <summary>base64url, padded or not (some clients send the standard alphabet: read too).</summary>
    private static byte[]? FromBase64Url(string? text, int length) =>
        UnpaddedBase64.TryDecode(text?.Replace('-', '+').Replace('_', '/'), out var bytes) && bytes.Length == length ? bytes : null;

    private static Primitives.CtrKeystream Cipher(byte[] key, byte[] iv) => new(key, iv);
}

/// <summary>The ciphertext of one attachment as it is read (an upload's body): read-only, not seekable, of the
/// plaintext's length; <see cref="Sha256"/> is the hash of every byte it gave, once it gave them all.</summary>
public sealed class CiphertextStream : Stream
{
    private readonly Stream _plaintext;
    private readonly long _length;
    private readonly Primitives.CtrKeystream _cipher;
    private readonly Primitives.IncrementalSha256 _digest = new();
    private long _position;
    private byte[]? _sha256;

    internal CiphertextStream(Stream plaintext, long length, Primitives.CtrKeystream cipher)
    {
        _plaintext = plaintext;
        _length = length;
        _cipher = cipher;
    }

    /// <summary>The SHA-256 of the whole ciphertext; <see cref="InvalidOperationException"/> before the stream was read to
    /// its end.</summary>
    public byte[] Sha256 => _position == _length ? Finish() : throw new InvalidOperationException("the ciphertext was not read to its end: its hash is not known");

    /// <inheritdoc />
    public override bool CanRead => true;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => false;

    /// <summary>The plaintext's length (CTR adds nothing).</summary>
    public override long Length => _length;

    /// <inheritdoc />
    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        var read = _plaintext.Read(buffer[..(int)Math.Min(buffer.Length, Math.Max(0, _length - _position) + 1)]);
        return Advance(buffer[..read]);
    }

    /// <inheritdoc />
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await _plaintext.ReadAsync(buffer[..(int)Math.Min(buffer.Length, Math.Max(0, _length - _position) + 1)], cancellationToken).ConfigureAwait(false);
        return Advance(buffer.Span[..read]);
    }

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Advance(Span<byte> chunk)
    {
        if (_position + chunk.Length > _length)
        {
            throw new IOException($"the attachment grew while it was read: more than the {_length} bytes it had");
        }

        if (chunk.IsEmpty)
        {
            return _position == _length ? 0 : throw new IOException($"the attachment shrank while it was read: {_position} of the {_length} bytes it had");
        }

        _cipher.Apply(chunk);
        _digest.Update(chunk);
        _position += chunk.Length;
        return chunk.Length;
    }

    private byte[] Finish()
    {
        if (_sha256 is null)
        {
            _sha256 = _digest.Finish();
        }

        return _sha256;
    }

    /// <inheritdoc />
    public override void Flush()
    {
    }

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _plaintext.Dispose();
        }

        base.Dispose(disposing);
    }
}
