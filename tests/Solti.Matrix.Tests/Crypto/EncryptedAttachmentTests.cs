using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Solti.Matrix.Crypto;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Tests.Crypto;

/// <summary>The spec's <c>EncryptedFile</c> (<see cref="EncryptedAttachment"/>): its fields as the spec writes them, a
/// ciphertext that is AES-256-CTR by the BCL's own AES (counter blocks encrypted with ECB, an independent
/// construction), the same ciphertext for every read of the same file (a retried upload), the hash checked before a byte
/// of plaintext is written, and no key in its text.</summary>
[Trait("tier", "unit")]
public sealed class EncryptedAttachmentTests
{
    private static byte[] Payload(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Reads the whole ciphertext stream in uneven pieces, as an HTTP body copy might.</summary>
    private static byte[] ReadAll(Stream stream)
    {
        using var output = new MemoryStream();
        var buffer = new byte[7919];
        int read;
        var size = 1;
        while ((read = stream.Read(buffer, 0, size)) > 0)
        {
            output.Write(buffer, 0, read);
            size = size * 3 % buffer.Length + 1;
        }

        return output.ToArray();
    }

    private static (JsonObject File, byte[] Ciphertext) Encrypt(byte[] plaintext, IRandomSource? random = null)
    {
        var attachment = EncryptedAttachment.Create(random);
        using var stream = attachment.Encrypt(new MemoryStream(plaintext), plaintext.Length);
        var ciphertext = ReadAll(stream);
        return (attachment.File("mxc://example.org/abcDEF_123-x", stream.Sha256), ciphertext);
    }

    [Fact]
    public void The_encrypted_file_has_the_specs_fields_a_jwk_key_and_an_iv_whose_counter_half_is_zero()
    {
        var (file, ciphertext) = Encrypt(Payload(100));

        Assert.Equal(["url", "key", "iv", "hashes", "v"], file.Select(p => p.Key));
        Assert.Equal(("mxc://example.org/abcDEF_123-x", "v2"), (Str(file, "url"), Str(file, "v")));
        var key = file["key"]!.AsObject();
        Assert.Equal(("oct", "A256CTR", true), (Str(key, "kty"), Str(key, "alg"), key["ext"]!.GetValue<bool>()));
        Assert.Equal(["encrypt", "decrypt"], key["key_ops"]!.AsArray().Select(o => o!.GetValue<string>()));
        var k = Str(key, "k")!;
        Assert.Equal(43, k.Length); // 32 bytes, base64url without padding
        Assert.Matches("^[A-Za-z0-9_-]+$", k);
        var iv = Str(file, "iv")!;
        Assert.Equal(22, iv.Length); // 16 bytes, unpadded base64
        var ivBytes = Convert.FromBase64String(iv + "==");
        Assert.Equal(new byte[8], ivBytes[8..]);
        Assert.NotEqual(new byte[8], ivBytes[..8]);
        var hash = Str(file["hashes"], "sha256")!;
        Assert.Equal(43, hash.Length);
        Assert.Equal(Convert.ToBase64String(SHA256.HashData(ciphertext)).TrimEnd('='), hash);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(16)]
    [InlineData(100_003)]
    public void The_ciphertext_is_aes_256_ctr_as_the_bcl_computes_it_and_decrypts_back(int length)
    {
        var plaintext = Payload(length);
        var (file, ciphertext) = Encrypt(plaintext);

        var key = Convert.FromBase64String(Str(file["key"], "k")!.Replace('-', '+').Replace('_', '/') + "=");
        var iv = Convert.FromBase64String(Str(file, "iv")! + "==");
        Assert.Equal(Ctr(key, iv, plaintext), ciphertext);
        Assert.Equal(plaintext, EncryptedAttachment.Decrypt(file, ciphertext));
    }

    [Fact]
    public void Every_read_of_the_same_file_gives_the_same_ciphertext_and_another_file_gets_another_key()
    {
        var plaintext = Payload(5000);
        var attachment = EncryptedAttachment.Create();
        using var first = attachment.Encrypt(new MemoryStream(plaintext), plaintext.Length);
        using var second = attachment.Encrypt(new MemoryStream(plaintext), plaintext.Length);

        Assert.Equal(ReadAll(first), ReadAll(second)); // a retried upload sends the bytes the hash names
        Assert.Equal(first.Sha256, second.Sha256);
        Assert.NotEqual(Str(Encrypt(plaintext).File["key"], "k"), Str(Encrypt(plaintext).File["key"], "k"));
    }

    [Fact]
    public void A_ciphertext_whose_hash_differs_is_refused_before_any_plaintext_is_written()
    {
        var (file, ciphertext) = Encrypt(Payload(4096));
        ciphertext[1000] ^= 0x01;
        using var output = new MemoryStream();

        var refused = Assert.Throws<CryptoException>(() => EncryptedAttachment.Decrypt(file, new MemoryStream(ciphertext), output));

        Assert.Equal(CryptoFailure.BadMac, refused.Failure);
        Assert.Equal(0, output.Length);
        Assert.DoesNotContain(Str(file["key"], "k")!, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_description_of_another_version_or_key_type_is_refused()
    {
        var (file, ciphertext) = Encrypt(Payload(64));
        var v1 = file.DeepClone().AsObject();
        v1["v"] = "v1";
        var otherKey = file.DeepClone().AsObject();
        otherKey["key"]!["alg"] = "A128CTR";
        var shortIv = file.DeepClone().AsObject();
        shortIv["iv"] = "AAAA";

        Assert.Equal(CryptoFailure.BadEncoding, Assert.Throws<CryptoException>(() => EncryptedAttachment.Decrypt(v1, ciphertext)).Failure);
        Assert.Equal(CryptoFailure.BadEncoding, Assert.Throws<CryptoException>(() => EncryptedAttachment.Decrypt(otherKey, ciphertext)).Failure);
        Assert.Equal(CryptoFailure.BadEncoding, Assert.Throws<CryptoException>(() => EncryptedAttachment.Decrypt(shortIv, ciphertext)).Failure);
    }

    [Fact]
    public void A_file_that_changes_length_while_it_is_read_fails_the_read_and_its_hash_is_not_given_early()
    {
        var attachment = EncryptedAttachment.Create();
        using var shorter = attachment.Encrypt(new MemoryStream(Payload(100)), 101);
        using var longer = attachment.Encrypt(new MemoryStream(Payload(100)), 99);
        using var unread = attachment.Encrypt(new MemoryStream(Payload(100)), 100);

        Assert.Contains("shrank", Assert.Throws<IOException>(() => ReadAll(shorter)).Message, StringComparison.Ordinal);
        Assert.Contains("grew", Assert.Throws<IOException>(() => ReadAll(longer)).Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => unread.Sha256);
        Assert.DoesNotContain("key", attachment.ToString().Replace("EncryptedAttachment", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>AES-256-CTR the BCL's way: each counter block (the IV, then +1 as a 128-bit big-endian number) encrypted
    /// with ECB and XORed over the data.</summary>
    private static byte[] Ctr(byte[] key, byte[] iv, byte[] input)
    {
        using var aes = Aes.Create();
        aes.Key = key;
        var counter = (byte[])iv.Clone();
        var output = new byte[input.Length];
        for (var at = 0; at < input.Length; at += 16)
        {
            var keystream = aes.EncryptEcb(counter, PaddingMode.None);
            for (var i = 0; i < 16 && at + i < input.Length; i++)
            {
                output[at + i] = (byte)(input[at + i] ^ keystream[i]);
            }

            for (var i = 15; i >= 0 && ++counter[i] == 0; i--)
            {
            }
        }

        return output;
    }

    private static string? Str(JsonNode? node, string name) => JsPeer.Str(node, name);
}

/// <summary>A file a js client encrypted (the peer's Web Crypto: its own key, IV and hash) decrypts with ours, byte for
/// byte; the same ciphertext altered is refused.</summary>
[Trait("tier", "integration")]
public sealed class PeerEncryptedAttachmentTests
{
    [Fact]
    public async Task A_file_the_js_peer_encrypted_with_web_crypto_decrypts_with_ours_and_an_altered_one_is_refused()
    {
        var plaintext = new byte[70_001];
        new Random(5).NextBytes(plaintext);
        await using var peer = await JsPeer.StartAsync("encryptor");

        var (file, ciphertext) = await peer.EncryptAttachmentAsync(plaintext);

        Assert.Equal(("oct", "A256CTR", "v2"), (JsPeer.Str(file["key"], "kty"), JsPeer.Str(file["key"], "alg"), JsPeer.Str(file, "v")));
        Assert.Equal(plaintext, EncryptedAttachment.Decrypt(file, ciphertext));
        ciphertext[^1] ^= 0x80;
        Assert.Equal(CryptoFailure.BadMac, Assert.Throws<CryptoException>(() => EncryptedAttachment.Decrypt(file, ciphertext)).Failure);
    }
}
