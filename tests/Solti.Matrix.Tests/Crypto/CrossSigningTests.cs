using System.Text.Json.Nodes;
using Solti.Matrix.Crypto;

namespace Solti.Matrix.Tests.Crypto;

/// <summary>The bot's identity in the crypto core: the recovery key's format, secret storage's
/// <c>m.secret_storage.v1.aes-hmac-sha2</c> and the cross-signing keys. The known answers were made once by the
/// independent implementation, matrix-js-sdk 43.0.0 in <c>tests/peer/node_modules</c> (its <c>encodeRecoveryKey</c> and
/// <c>decodeRecoveryKey</c> of <c>lib/crypto-api/recovery-key.js</c>, <c>encryptAESSecretStorageItem</c> and
/// <c>decryptAESSecretStorageItem</c> of <c>lib/utils/</c>, <c>calculateKeyCheck</c> of <c>lib/secret-storage.js</c>,
/// under Node 20's Web Crypto), from the inputs below, and recorded here.</summary>
public sealed class CrossSigningTests
{
    /// <summary>The key 0x01, 0x02, …, 0x20.</summary>
    private static readonly byte[] Key = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];

    /// <summary>js-sdk's <c>encodeRecoveryKey</c> of <see cref="Key"/>, of 32 zero bytes and of 32 0xFF bytes.</summary>
    private const string JsRecoveryKey = "EsT1 H3Wm yHnZ VYce KwM9 c6Gk nX71 3FkR Yz9x vary hjQh 5m7X";
    private const string JsRecoveryKeyZero = "EsSz ygLv VP1b xF1C v7kE eBQx MxDP buG5 w25T L3b6 hfyG Kkrd";
    private const string JsRecoveryKeyFf = "EsUK 2TRo ZKTB CKmv wEDA o6rq tTYu aKzp eJ9f 95nM 3VHk Xbnq";

    /// <summary>The IV js-sdk was given (0xA0..0xAF, bit 63 cleared: byte 8 is 0x28).</summary>
    private const string Iv = "oKGio6SlpqcoqaqrrK2urw==";

    /// <summary>The secret (unpadded base64 of the seed 0x40..0x5F) js-sdk encrypted as <c>m.cross_signing.self_signing</c>.</summary>
    private const string Secret = "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8";
    private const string JsCiphertext = "sN9JqIQ8q/Vqpq99iYOWxZRQQnQAqoa30tVDcmIzM8wpmJlXHtH6piDJ5w==";
    private const string JsMac = "LVkelW5Pt0Lxi4xpXVIE6vp4cg5peGQuG736rWyRjRM=";

    /// <summary>js-sdk's <c>calculateKeyCheck(Key, Iv)</c>: the MAC of 32 zero bytes under the empty name.</summary>
    private const string JsKeyCheckMac = "MLo/YpDSSwk+XrL9TWwDPLXP+9LfOLAAHmAJhnH2Ttw=";

    private sealed class FixedRandom(string base64) : IRandomSource
    {
        public void Fill(Span<byte> destination) => Convert.FromBase64String(base64).AsSpan(0, destination.Length).CopyTo(destination);
    }

    [Theory]
    [InlineData(JsRecoveryKey, 1)]
    [InlineData(JsRecoveryKeyZero, 0)]
    [InlineData(JsRecoveryKeyFf, 0xff)]
    public void The_recovery_key_encodes_and_decodes_as_matrix_js_sdk_does(string encoded, int fill)
    {
        byte[] key = fill == 1 ? Key : [.. Enumerable.Repeat((byte)fill, 32)];

        Assert.Equal(encoded, RecoveryKey.FromBytes(key).Encode());
        var parsed = RecoveryKey.Parse(encoded);
        Assert.Equal(encoded, parsed.Encode());
        Assert.Equal(encoded, RecoveryKey.Parse(encoded.Replace(" ", "", StringComparison.Ordinal) + "\n").Encode()); // spaces and a line end tolerated
    }

    [Theory]
    [InlineData("EsT1 H3Wm yHnZ VYce KwM9 c6Gk nX71 3FkR Yz9x vary hjQh 5m7Y", "parity")] // last character changed
    [InlineData("EsT1 H3Wm yHnZ VYce KwM9 c6Gk nX71 3FkR Yz9x vary hjQh", "key bytes")] // too short
    [InlineData("EyEf Y34B MafH ec27 EUEA yzYB S1FJ 6SNw jvi6 YGWH Ab1B N5rU", "prefix")] // 0x8C 0x01, the key, its parity
    [InlineData("EsT1 H3Wm yHnZ VYce KwM9 c6Gk nX71 3FkR Yz9x vary hjQh 5m70", "alphabet")] // '0' is not base58
    public void A_wrong_recovery_key_is_refused_saying_why_without_echoing_it(string wrong, string why)
    {
        var refused = Assert.Throws<CryptoException>(() => RecoveryKey.Parse(wrong));

        Assert.Contains(why, refused.Message, StringComparison.Ordinal);
        foreach (var group in wrong.Split(' '))
        {
            Assert.DoesNotContain(group, refused.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_recovery_key_never_prints_itself_and_new_ones_differ()
    {
        var key = RecoveryKey.Generate();

        Assert.Equal("RecoveryKey(hidden)", key.ToString());
        Assert.NotEqual(key.Encode(), RecoveryKey.Generate().Encode());
        Assert.Equal(12, key.Encode().Split(' ').Length); // 35 bytes are 48 base58 characters
    }

    [Fact]
    public void Secret_storage_encrypts_a_secret_byte_for_byte_as_matrix_js_sdk_and_decrypts_js_sdks_item()
    {
        var key = RecoveryKey.FromBytes(Key);

        var item = SecretStorage.Encrypt(key, CrossSigningKeys.SelfSigningSecret, Secret, new FixedRandom(Iv));

        Assert.Equal((Iv, JsCiphertext, JsMac), (item["iv"]!.GetValue<string>(), item["ciphertext"]!.GetValue<string>(), item["mac"]!.GetValue<string>()));
        var fromJs = new JsonObject { ["iv"] = Iv, ["ciphertext"] = JsCiphertext, ["mac"] = JsMac };
        Assert.Equal(Secret, SecretStorage.Decrypt(key, CrossSigningKeys.SelfSigningSecret, fromJs));
        var unpadded = new JsonObject { ["iv"] = Iv.TrimEnd('='), ["ciphertext"] = JsCiphertext.TrimEnd('='), ["mac"] = JsMac.TrimEnd('=') };
        Assert.Equal(Secret, SecretStorage.Decrypt(key, CrossSigningKeys.SelfSigningSecret, unpadded));
    }

    [Fact]
    public void Secret_storage_refuses_another_key_another_name_and_a_changed_ciphertext()
    {
        var key = RecoveryKey.FromBytes(Key);
        var item = SecretStorage.Encrypt(key, CrossSigningKeys.SelfSigningSecret, Secret);
        var tampered = (JsonObject)item.DeepClone();
        var bytes = Convert.FromBase64String(tampered["ciphertext"]!.GetValue<string>());
        bytes[0] ^= 1;
        tampered["ciphertext"] = Convert.ToBase64String(bytes);

        Assert.Equal(CryptoFailure.BadMac, Assert.Throws<CryptoException>(() => SecretStorage.Decrypt(RecoveryKey.Generate(), CrossSigningKeys.SelfSigningSecret, item)).Failure);
        Assert.Equal(CryptoFailure.BadMac, Assert.Throws<CryptoException>(() => SecretStorage.Decrypt(key, CrossSigningKeys.MasterSecret, item)).Failure);
        Assert.Equal(CryptoFailure.BadMac, Assert.Throws<CryptoException>(() => SecretStorage.Decrypt(key, CrossSigningKeys.SelfSigningSecret, tampered)).Failure);
        Assert.Equal(Secret, SecretStorage.Decrypt(key, CrossSigningKeys.SelfSigningSecret, item));
        Assert.Equal(0, Convert.FromBase64String(item["iv"]!.GetValue<string>())[8] & 0x80); // bit 63 cleared
    }

    [Fact]
    public void The_key_check_is_js_sdks_and_tells_the_right_key_from_another()
    {
        var key = RecoveryKey.FromBytes(Key);
        var fromJs = new JsonObject { ["algorithm"] = SecretStorage.Algorithm, ["iv"] = Iv, ["mac"] = JsKeyCheckMac };

        var described = SecretStorage.KeyDescription(key, new FixedRandom(Iv));

        Assert.True(JsonNode.DeepEquals(fromJs, described), described.ToJsonString());
        Assert.True(SecretStorage.IsKeyOf(key, fromJs));
        Assert.False(SecretStorage.IsKeyOf(RecoveryKey.Generate(), fromJs));
        Assert.True(SecretStorage.IsKeyOf(key, SecretStorage.KeyDescription(key)));
        Assert.Throws<CryptoException>(() => SecretStorage.IsKeyOf(key, new JsonObject { ["algorithm"] = "m.other" }));
    }

    [Fact]
    public void Cross_signing_keys_sign_each_other_and_a_device_and_the_chain_checks()
    {
        const string User = "@bot:example.org";
        var identity = CrossSigningKeys.Generate(User);
        var device = OlmAccount.Create();
        var deviceKeys = device.DeviceKeysForUpload(User, "BOTDEVICE");
        deviceKeys["unsigned"] = new JsonObject { ["device_display_name"] = "bot" };

        var upload = identity.UploadBody();
        var master = upload["master_key"]!.AsObject();
        var selfSigning = upload["self_signing_key"]!.AsObject();
        var signedDevice = CrossSigningKeys.SignDevice(deviceKeys, User, identity.SelfSigning);
        var signedMaster = CrossSigningKeys.SignMaster(master, m => device.Sign(m, User, "BOTDEVICE"));

        Assert.Equal(identity.Master.PublicKey, CrossSigningKeys.PublicKeyOf(master, User, "master"));
        Assert.Equal(identity.SelfSigning.PublicKey, CrossSigningKeys.PublicKeyOf(selfSigning, User, "self_signing"));
        Assert.Equal(identity.UserSigning.PublicKey, CrossSigningKeys.PublicKeyOf(upload["user_signing_key"]!.AsObject(), User, "user_signing"));
        Assert.Null(CrossSigningKeys.PublicKeyOf(master, "@other:example.org", "master"));
        Assert.True(SignedJson.Verify(upload["user_signing_key"]!.AsObject(), User, CrossSigningKeys.KeyId(identity.Master.PublicKey), identity.Master.PublicKey));
        Assert.Null(signedDevice["unsigned"]);
        Assert.Equal([User], signedDevice["signatures"]!.AsObject().Select(s => s.Key));
        Assert.Equal([CrossSigningKeys.KeyId(identity.SelfSigning.PublicKey)], signedDevice["signatures"]![User]!.AsObject().Select(s => s.Key));
        Assert.True(SignedJson.Verify(signedMaster, User, "ed25519:BOTDEVICE", device.Ed25519Key));

        // What /keys/query returns once the server merged the signature: the device's own and the self-signing key's.
        var listed = (JsonObject)deviceKeys.DeepClone();
        listed["signatures"]![User]![CrossSigningKeys.KeyId(identity.SelfSigning.PublicKey)] = signedDevice["signatures"]![User]![CrossSigningKeys.KeyId(identity.SelfSigning.PublicKey)]!.DeepClone();
        Assert.True(CrossSigningKeys.IsDeviceCrossSigned(listed, selfSigning, master, User));
        Assert.False(CrossSigningKeys.IsDeviceCrossSigned(deviceKeys, selfSigning, master, User)); // not signed
        Assert.False(CrossSigningKeys.IsDeviceCrossSigned(listed, selfSigning, CrossSigningKeys.Generate(User).UploadBody()["master_key"]!.AsObject(), User)); // another master
        Assert.False(CrossSigningKeys.IsDeviceCrossSigned(listed, null, master, User));
    }

    [Fact]
    public void Cross_signing_secrets_are_the_seeds_and_give_the_same_keys_back()
    {
        var identity = CrossSigningKeys.Generate("@bot:example.org");

        var secrets = identity.Secrets().ToDictionary(s => s.Name, s => s.Secret);

        Assert.Equal(identity.Master.PublicKey, CrossSigningKeys.FromSecret(secrets[CrossSigningKeys.MasterSecret]).PublicKey);
        Assert.Equal(identity.SelfSigning.PublicKey, CrossSigningKeys.FromSecret(secrets[CrossSigningKeys.SelfSigningSecret]).PublicKey);
        Assert.Equal(identity.UserSigning.PublicKey, CrossSigningKeys.FromSecret(secrets[CrossSigningKeys.UserSigningSecret]).PublicKey);
        Assert.DoesNotContain(secrets[CrossSigningKeys.MasterSecret], identity.ToString(), StringComparison.Ordinal);
    }
}
