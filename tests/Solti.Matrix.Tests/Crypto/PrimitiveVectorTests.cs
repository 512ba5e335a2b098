using System.Text;
using System.Text.RegularExpressions;
using Solti.Matrix.Crypto;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Tests.Crypto;

/// <summary>The primitives against their RFCs' own vectors: X25519 (RFC 7748), Ed25519 (RFC 8032), HKDF (RFC 5869),
/// HMAC-SHA-256 (RFC 4231), AES-256-CBC (NIST SP 800-38A), SHA-256 (FIPS 180-2), and the unpadded base64 of the spec.</summary>
[Trait("tier", "unit")]
public sealed partial class PrimitiveVectorTests
{
    private static byte[] Hex(string hex) => Convert.FromHexString(hex);

    [Theory] // RFC 7748 section 5.2
    [InlineData("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4", "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c", "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552")]
    public void X25519_matches_RFC_7748_scalar_multiplication(string scalar, string u, string expected) =>
        Assert.Equal(Hex(expected), Curve25519KeyPair.FromPrivateKey(Hex(scalar)).Agree(Hex(u)));

    [Theory] // RFC 7748 section 5.2: k = u = 9, then (k, u) = (X25519(k, u), k)
    [InlineData(1, "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079")]
    [InlineData(1000, "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51")]
    public void X25519_matches_RFC_7748_iterations(int iterations, string expected)
    {
        var k = new byte[32];
        k[0] = 9;
        var u = (byte[])k.Clone();
        for (var i = 0; i < iterations; i++)
        {
            (k, u) = (Curve25519KeyPair.FromPrivateKey(k).Agree(u), k);
        }

        Assert.Equal(Hex(expected), k);
    }

    [Fact] // RFC 7748 section 6.1
    public void X25519_agreement_matches_RFC_7748_Alice_and_Bob()
    {
        var alice = Curve25519KeyPair.FromPrivateKey(Hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
        var bob = Curve25519KeyPair.FromPrivateKey(Hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"));

        Assert.Equal(Hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"), alice.PublicKeyBytes());
        Assert.Equal(Hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"), bob.PublicKeyBytes());
        var shared = Hex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
        Assert.Equal(shared, alice.Agree(bob.PublicKeyBytes()));
        Assert.Equal(shared, bob.Agree(alice.PublicKeyBytes()));
    }

    [Fact]
    public void X25519_refuses_a_key_of_small_order() =>
        Assert.Equal(CryptoFailure.BadKey, Assert.Throws<CryptoException>(() => Curve25519KeyPair.Generate().Agree(new byte[32])).Failure);

    [Theory] // RFC 8032 section 7.1, tests 1 to 3
    [InlineData("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")]
    [InlineData("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb", "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00")]
    [InlineData("c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7", "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a")]
    public void Ed25519_matches_RFC_8032(string seed, string publicKey, string message, string signature)
    {
        var key = Ed25519KeyPair.FromSeed(Hex(seed));

        Assert.Equal(Hex(publicKey), key.PublicKeyBytes());
        Assert.Equal(Hex(signature), key.Sign(Hex(message)));
        Assert.True(Ed25519KeyPair.Verify(Hex(publicKey), Hex(message), Hex(signature)));
        var bent = Hex(signature);
        bent[10] ^= 1;
        Assert.False(Ed25519KeyPair.Verify(Hex(publicKey), Hex(message), bent));
        Assert.False(Ed25519KeyPair.Verify(Hex(publicKey), [.. Hex(message), 0], Hex(signature)));
    }

    [Fact] // RFC 5869 appendix A, test cases 1 and 3 (3: no salt, no info)
    public void Hkdf_matches_RFC_5869()
    {
        Assert.Equal(
            Hex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"),
            Primitives.Hkdf(Hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"), Hex("000102030405060708090a0b0c"), Hex("f0f1f2f3f4f5f6f7f8f9"), 42));
        Assert.Equal(
            Hex("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"),
            Primitives.Hkdf(Hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"), [], [], 42));
    }

    [Fact] // RFC 4231 test case 2; FIPS 180-2 "abc"
    public void Hmac_and_sha256_match_their_vectors()
    {
        Assert.Equal(
            Hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
            Primitives.HmacSha256("Jefe"u8, "what do ya want for nothing?"u8));
        Assert.Equal(Hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"), Primitives.Sha256("abc"u8));
    }

    [Fact] // NIST SP 800-38A F.2.5 (CBC-AES256.Encrypt); the 16 bytes after it are the PKCS#7 block
    public void Aes256_cbc_matches_NIST_and_pads_with_PKCS7()
    {
        var key = Hex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
        var iv = Hex("000102030405060708090a0b0c0d0e0f");
        var plaintext = Hex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710");

        var ciphertext = Primitives.AesCbcEncrypt(key, iv, plaintext);

        Assert.Equal(80, ciphertext.Length);
        Assert.Equal(Hex("f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b"), ciphertext[..64]);
        Assert.Equal(plaintext, Primitives.AesCbcDecrypt(key, iv, ciphertext));
        ciphertext[^1] ^= 1;
        Assert.Equal(CryptoFailure.BadMessage, Assert.Throws<CryptoException>(() => Primitives.AesCbcDecrypt(key, iv, ciphertext)).Failure);
    }

    [Theory] // spec appendix "Unpadded Base64"
    [InlineData("", "")]
    [InlineData("f", "Zg")]
    [InlineData("fo", "Zm8")]
    [InlineData("foo", "Zm9v")]
    [InlineData("foob", "Zm9vYg")]
    [InlineData("fooba", "Zm9vYmE")]
    [InlineData("foobar", "Zm9vYmFy")]
    public void Unpadded_base64_matches_the_spec(string text, string encoded)
    {
        Assert.Equal(encoded, UnpaddedBase64.Encode(Encoding.ASCII.GetBytes(text)));
        Assert.Equal(Encoding.ASCII.GetBytes(text), UnpaddedBase64.Decode(encoded));
        Assert.Equal(Encoding.ASCII.GetBytes(text), UnpaddedBase64.Decode(Convert.ToBase64String(Encoding.ASCII.GetBytes(text))));
    }

    [Theory]
    [InlineData("Z")]
    [InlineData("Zm9v!")]
    [InlineData("Zg===")]
    [InlineData(null)]
    public void Unpadded_base64_refuses_what_is_not_base64(string? text) => Assert.False(UnpaddedBase64.TryDecode(text, out _));

    [Fact]
    public void Kernel_random_fills_and_differs()
    {
        var first = new byte[64];
        var second = new byte[64];
        KernelRandom.Instance.Fill(first);
        KernelRandom.Instance.Fill(second);

        Assert.NotEqual(first, second);
        Assert.NotEqual(new byte[64], first);
    }

    [Fact]
    public void The_crypto_core_never_uses_the_BCL_cryptography_that_loads_OpenSSL()
    {
        var folder = Path.Combine(Repository.Root, "src", "Solti.Matrix", "Crypto");
        var offenders = Directory.EnumerateFiles(folder, "*.cs")
            .Where(path => BclCryptography().IsMatch(File.ReadAllText(path)))
            .Select(Path.GetFileName)
            .ToList();

        Assert.True(offenders.Count == 0, "System.Security.Cryptography in the crypto core: " + string.Join(", ", offenders));
    }

    [Fact]
    public void BouncyCastle_is_reached_only_through_the_primitives_and_the_two_key_types()
    {
        string[] allowed = ["Primitives.cs", "Curve25519KeyPair.cs", "Ed25519KeyPair.cs"];
        var homeserver = Path.Combine(Repository.Root, "src", "Solti.Matrix.Homeserver") + "/"; // Synapse's stand-in checks signatures as Synapse does, with its own code (it does not reference the library)
        var users = Directory.EnumerateFiles(Path.Combine(Repository.Root, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(path => !path.Contains("/obj/", StringComparison.Ordinal) && !path.StartsWith(homeserver, StringComparison.Ordinal) && File.ReadAllText(path).Contains("Org.BouncyCastle", StringComparison.Ordinal))
            .Select(path => Path.GetRelativePath(Repository.Root, path))
            .Where(path => !allowed.Any(name => path == Path.Combine("src", "Solti.Matrix", "Crypto", name)))
            .ToList();

        Assert.True(users.Count == 0, "BouncyCastle outside Crypto/Primitives.cs and the key types: " + string.Join(", ", users));
    }

    [GeneratedRegex(@"using\s+System\.Security\.Cryptography|System\.Security\.Cryptography\.\w|RandomNumberGenerator\.")]
    private static partial Regex BclCryptography();
}
