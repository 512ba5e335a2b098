using System.Text;
using System.Text.Json.Nodes;
using Solti.Matrix.Crypto;

namespace Solti.Matrix.Tests.Crypto;

/// <summary>Olm: the message encodings against libolm's and vodozemac's own tests, sessions against libolm's answers
/// (<see cref="LibolmVectors"/>), and our sessions both ways, out of order, tampered, exported and restored.</summary>
[Trait("tier", "unit")]
public sealed class OlmTests
{
    private const string Alice = "@alice:example.org";
    private const string Bob = "@bob:example.org";

    private static JsonObject Vectors(string name) => JsonNode.Parse(LibolmVectors.Json)![name]!.AsObject();

    private static byte[] Bytes(string text) => Encoding.ASCII.GetBytes(text);

    [Fact] // libolm tests/test_message.cpp, "Message encode test" (3 + 32-byte ratchet key in vodozemac's own test)
    public void A_normal_message_encodes_as_libolm_and_vodozemac_encode_it()
    {
        var cipher = AesSha2Cipher.ForOlm(Bytes("any message key"));
        var encoded = OlmNormalMessage.Encode(Bytes("ratchetkeyhereprettyplease123456"), 2, Bytes("ciphertext"), cipher);

        // vodozemac src/olm/messages/message.rs, "encode": the bytes before the MAC are fixed; the MAC is HMAC's.
        Assert.Equal(Bytes("\u0003\n ratchetkeyhereprettyplease123456\u0010\u0002\"\nciphertext"), encoded[..^8]);
        Assert.Equal(cipher.Mac(encoded.AsSpan(0, encoded.Length - 8)), encoded[^8..]);
    }

    [Fact] // libolm tests/test_message.cpp, "Message decode test": fields in another order, and a 10-byte key refused
    public void A_normal_message_decodes_its_fields_in_any_order()
    {
        var message = OlmNormalMessage.Decode(Bytes("\u0003\u0010\u0001\n ratchetkeyhereprettyplease123456\"\nciphertexthmacsha2"));

        Assert.Equal(1u, message.ChainIndex);
        Assert.Equal(Bytes("ratchetkeyhereprettyplease123456"), message.RatchetKey);
        Assert.Equal(Bytes("ciphertext"), message.Ciphertext);
        Assert.Equal(Bytes("hmacsha2"), message.Mac);
        Assert.Equal(CryptoFailure.BadMessage, Assert.Throws<CryptoException>(() => OlmNormalMessage.Decode(Bytes("\u0003\u0010\u0001\n\nratchetkey\"\nciphertexthmacsha2"))).Failure);
        Assert.Throws<CryptoException>(() => OlmNormalMessage.Decode([4, .. Bytes("\n ratchetkeyhereprettyplease123456\u0010\u0002\"\nciphertextMACHEREE")]));
        Assert.Throws<CryptoException>(() => OlmNormalMessage.Decode([3, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
    }

    [Fact] // vodozemac src/olm/messages/mod.rs: PRE_KEY_MESSAGE and MESSAGE with their known ciphertexts
    public void Vodozemac_messages_decode_to_their_known_ciphertexts()
    {
        var preKey = OlmPreKeyMessage.From(new OlmMessage(OlmMessageType.PreKey,
            "AwoghAEuxPZ+w7M3pgUae4tDNiggUpOsQ/zci457VAtiAEYSIO3xOKRDBWKicIfxjSmYCYZ9DD4RMLjvvclbMlE5yIEWGiApLrCr853CKlPpW4Bi7S8ykRcejJ0lq7AfYLXKCjKdHSJPAwoghw3+P+cajhWj9Qzp5g87h+tbpiuh5wEaeUppqmWqug4QASIgRhZ2cgZcIWQbIa23R7U4y1Mo1R/tLCaMU+xjzRV5smGsCrJ6AHwktg"));
        var inner = OlmNormalMessage.Decode(preKey.Message);
        byte[] innerCiphertext = [70, 22, 118, 114, 6, 92, 33, 100, 27, 33, 173, 183, 71, 181, 56, 203, 83, 40, 213, 31, 237, 44, 38, 140, 83, 236, 99, 205, 21, 121, 178, 97];
        Assert.Equal(innerCiphertext, inner.Ciphertext);
        Assert.Equal(1u, inner.ChainIndex);
        Assert.Equal(preKey.Encode(), UnpaddedBase64.Decode("AwoghAEuxPZ+w7M3pgUae4tDNiggUpOsQ/zci457VAtiAEYSIO3xOKRDBWKicIfxjSmYCYZ9DD4RMLjvvclbMlE5yIEWGiApLrCr853CKlPpW4Bi7S8ykRcejJ0lq7AfYLXKCjKdHSJPAwoghw3+P+cajhWj9Qzp5g87h+tbpiuh5wEaeUppqmWqug4QASIgRhZ2cgZcIWQbIa23R7U4y1Mo1R/tLCaMU+xjzRV5smGsCrJ6AHwktg"));

        var normal = OlmNormalMessage.Decode(UnpaddedBase64.Decode("AwogI7JhE/UsMZqXKb3xV6kUZWoJc6jTm2+AIgWYmaETIR0QASIQ+X2zb7kEX/3JvoLspcNBcLWOFXYpV0nS"));
        Assert.Equal(new byte[] { 249, 125, 179, 111, 185, 4, 95, 253, 201, 190, 130, 236, 165, 195, 65, 112 }, normal.Ciphertext);
        Assert.Equal(1u, normal.ChainIndex);
    }

    [Fact]
    public void Our_outbound_session_is_what_libolm_read_and_we_read_libolms_reply()
    {
        var v = Vectors("ours_to_libolm");
        var alice = OlmAccount.Create(new MockRandom((byte)'A'));
        Assert.Equal((string?)v["alice_curve25519"], alice.Curve25519Key);

        var session = alice.CreateOutboundSession((string)v["bob_curve25519"]!, (string)v["bob_one_time_key"]!);
        Assert.Equal((string?)v["bob_session_id"], session.SessionId); // libolm's id for the same session

        var first = session.Encrypt("Hello libolm, from solti-matrix");
        Assert.Equal(OlmMessage.FromJson(v["m1"]), first); // byte for byte the message libolm decrypted

        var reply = session.Decrypt(OlmMessage.FromJson(v["reply"]));
        Assert.Equal("Hello solti-matrix, libolm answers", Encoding.UTF8.GetString(reply));

        var second = session.Encrypt("And a normal message after the reply");
        Assert.Equal(OlmMessageType.Normal, second.Type);
        Assert.Equal(OlmMessage.FromJson(v["m2"]), second);
    }

    [Fact]
    public void We_read_libolms_pre_key_message_and_libolm_read_our_reply()
    {
        var v = Vectors("libolm_to_ours");
        var bob = OlmAccount.Create(new MockRandom((byte)'B', 0x80));
        bob.GenerateOneTimeKeys(1);
        Assert.Equal((string?)v["bob_curve25519"], bob.Curve25519Key);

        var inbound = bob.CreateInboundSession(OlmMessage.FromJson(v["m1"]), (string)v["alice_curve25519"]!);

        Assert.Equal("Hello solti-matrix, from libolm", Encoding.UTF8.GetString(inbound.Plaintext));
        Assert.Equal((string?)v["alice_session_id"], inbound.Session.SessionId);
        Assert.Equal(0, bob.UnpublishedOneTimeKeyCount); // the one-time key is spent
        Assert.Equal(OlmMessage.FromJson(v["reply"]), inbound.Session.Encrypt("Hello libolm, solti-matrix answers"));
    }

    [Fact]
    public void Sessions_talk_both_ways_through_several_ratchet_turns()
    {
        var (aliceSession, bobSession) = Pair(out _, out _);

        for (var turn = 0; turn < 4; turn++)
        {
            for (var i = 0; i < 3; i++)
            {
                var toBob = aliceSession.Encrypt($"a{turn}.{i}");
                Assert.Equal(turn == 0 ? OlmMessageType.PreKey : OlmMessageType.Normal, toBob.Type);
                Assert.Equal($"a{turn}.{i}", Encoding.UTF8.GetString(bobSession.Decrypt(toBob)));
            }

            var toAlice = bobSession.Encrypt($"b{turn}");
            Assert.Equal(OlmMessageType.Normal, toAlice.Type);
            Assert.Equal($"b{turn}", Encoding.UTF8.GetString(aliceSession.Decrypt(toAlice)));
        }
    }

    [Fact]
    public void Messages_out_of_order_decrypt_once_and_a_replay_is_refused()
    {
        var (aliceSession, bobSession) = Pair(out _, out _);
        Assert.Equal("hello", Encoding.UTF8.GetString(bobSession.Decrypt(aliceSession.Encrypt("hello"))));
        var messages = Enumerable.Range(0, 5).Select(i => aliceSession.Encrypt("m" + i)).ToList();

        Assert.Equal("m4", Encoding.UTF8.GetString(bobSession.Decrypt(messages[4])));
        Assert.Equal("m1", Encoding.UTF8.GetString(bobSession.Decrypt(messages[1])));
        Assert.Equal("m3", Encoding.UTF8.GetString(bobSession.Decrypt(messages[3])));
        Assert.Equal(CryptoFailure.UnknownMessageIndex, Assert.Throws<CryptoException>(() => bobSession.Decrypt(messages[1])).Failure);
        Assert.Equal("m0", Encoding.UTF8.GetString(bobSession.Decrypt(messages[0])));
    }

    [Fact]
    public void A_message_too_far_ahead_is_refused()
    {
        var (aliceSession, bobSession) = Pair(out _, out _);
        bobSession.Decrypt(aliceSession.Encrypt("first"));
        for (var i = 0; i <= OlmSession.MaxMessageGap; i++)
        {
            aliceSession.Encrypt("lost");
        }

        Assert.Equal(CryptoFailure.MessageGapTooLarge, Assert.Throws<CryptoException>(() => bobSession.Decrypt(aliceSession.Encrypt("late"))).Failure);
    }

    [Fact]
    public void A_tampered_message_is_refused_and_changes_nothing()
    {
        var (aliceSession, bobSession) = Pair(out _, out _);
        bobSession.Decrypt(aliceSession.Encrypt("established"));
        var toAlice = bobSession.Encrypt("reply");
        var bytes = UnpaddedBase64.Decode(toAlice.Body);

        foreach (var position in new[] { bytes.Length - 1, bytes.Length - 12, 40 })
        {
            var bent = (byte[])bytes.Clone();
            bent[position] ^= 0x01;
            var failure = Assert.Throws<CryptoException>(() => aliceSession.Decrypt(toAlice with { Body = UnpaddedBase64.Encode(bent) })).Failure;
            Assert.True(failure is CryptoFailure.BadMac or CryptoFailure.BadMessage, failure.ToString());
        }

        Assert.Equal("reply", Encoding.UTF8.GetString(aliceSession.Decrypt(toAlice)));
    }

    [Fact]
    public void A_pre_key_message_for_an_unknown_key_or_from_another_sender_is_refused_and_keeps_the_key()
    {
        var alice = OlmAccount.Create();
        var bob = OlmAccount.Create();
        bob.GenerateOneTimeKeys(1);
        var otk = OneTimeKey(bob);
        var message = alice.CreateOutboundSession(bob.Curve25519Key, otk).Encrypt("hi");

        Assert.Equal(CryptoFailure.UnknownOneTimeKey, Assert.Throws<CryptoException>(() => OlmAccount.Create().CreateInboundSession(message)).Failure);
        Assert.Equal(CryptoFailure.WrongSession, Assert.Throws<CryptoException>(() => bob.CreateInboundSession(message, OlmAccount.Create().Curve25519Key)).Failure);
        var bent = UnpaddedBase64.Decode(message.Body);
        bent[^1] ^= 1;
        Assert.Equal(CryptoFailure.BadMac, Assert.Throws<CryptoException>(() => bob.CreateInboundSession(message with { Body = UnpaddedBase64.Encode(bent) })).Failure);
        Assert.Equal(1, bob.UnpublishedOneTimeKeyCount);

        var inbound = bob.CreateInboundSession(message, alice.Curve25519Key);
        Assert.True(inbound.Session.Matches(message, alice.Curve25519Key));
        Assert.False(inbound.Session.Matches(message, bob.Curve25519Key));
        Assert.Equal(CryptoFailure.UnknownOneTimeKey, Assert.Throws<CryptoException>(() => bob.CreateInboundSession(message)).Failure);
    }

    [Fact]
    public void A_fallback_key_makes_sessions_and_stays()
    {
        var bob = OlmAccount.Create();
        bob.GenerateFallbackKey();
        var upload = bob.FallbackKeyForUpload(Bob, "BOBDEV");
        var (name, key) = Assert.Single(upload);
        Assert.StartsWith("signed_curve25519:", name, StringComparison.Ordinal);
        Assert.True((bool)key!["fallback"]!);
        var fallback = DeviceKeys.VerifyOneTimeKey(key.AsObject(), Bob, "BOBDEV", bob.Ed25519Key);

        for (var i = 0; i < 2; i++)
        {
            var alice = OlmAccount.Create();
            var message = alice.CreateOutboundSession(bob.Curve25519Key, fallback).Encrypt("via fallback " + i);
            Assert.Equal("via fallback " + i, Encoding.UTF8.GetString(bob.CreateInboundSession(message).Plaintext));
        }

        bob.MarkKeysAsPublished();
        Assert.Empty(bob.FallbackKeyForUpload(Bob, "BOBDEV"));
        bob.GenerateFallbackKey();
        var late = OlmAccount.Create().CreateOutboundSession(bob.Curve25519Key, fallback).Encrypt("to the previous fallback key");
        Assert.Equal("to the previous fallback key", Encoding.UTF8.GetString(bob.CreateInboundSession(late).Plaintext));
        bob.ForgetPreviousFallbackKey();
        Assert.Equal(CryptoFailure.UnknownOneTimeKey, Assert.Throws<CryptoException>(() => bob.CreateInboundSession(late)).Failure);
    }

    [Fact]
    public void The_account_uploads_signed_device_keys_and_one_time_keys_once()
    {
        var account = OlmAccount.Create();
        var deviceKeys = account.DeviceKeysForUpload(Alice, "ALICEDEV");

        Assert.Equal(new DeviceIdentity(Alice, "ALICEDEV", account.Curve25519Key, account.Ed25519Key), DeviceKeys.Verify(deviceKeys, Alice, "ALICEDEV"));
        Assert.Equal("[\"m.olm.v1.curve25519-aes-sha2\",\"m.megolm.v1.aes-sha2\"]", deviceKeys["algorithms"]!.ToJsonString());

        account.GenerateOneTimeKeys(3);
        var upload = account.OneTimeKeysForUpload(Alice, "ALICEDEV");
        Assert.Equal(new[] { "signed_curve25519:AAAAAQ", "signed_curve25519:AAAAAg", "signed_curve25519:AAAAAw" }, upload.Select(pair => pair.Key));
        Assert.All(upload, pair => DeviceKeys.VerifyOneTimeKey(pair.Value!.AsObject(), Alice, "ALICEDEV", account.Ed25519Key));
        account.MarkKeysAsPublished();
        Assert.Empty(account.OneTimeKeysForUpload(Alice, "ALICEDEV"));
        account.GenerateOneTimeKeys(OlmAccount.MaxOneTimeKeys + 5);
        Assert.Equal(OlmAccount.MaxOneTimeKeys, account.UnpublishedOneTimeKeyCount);
    }

    [Fact]
    public void Account_and_sessions_restore_from_their_export_mid_conversation()
    {
        var alice = OlmAccount.Create();
        var bob = OlmAccount.Create();
        bob.GenerateOneTimeKeys(2);
        bob.GenerateFallbackKey();
        var aliceSession = alice.CreateOutboundSession(bob.Curve25519Key, OneTimeKey(bob));
        var bobSession = bob.CreateInboundSession(aliceSession.Encrypt("one")).Session;
        var held = aliceSession.Encrypt("held back");
        aliceSession.Decrypt(bobSession.Encrypt("two"));
        var pending = bobSession.Encrypt("pending");

        var restoredBob = OlmAccount.FromJson(JsonNode.Parse(bob.ToJson().ToJsonString()));
        var restoredAliceSession = OlmSession.FromJson(JsonNode.Parse(aliceSession.ToJson().ToJsonString()));
        var restoredBobSession = OlmSession.FromJson(bobSession.ToJson());

        Assert.Equal(bob.Curve25519Key, restoredBob.Curve25519Key);
        Assert.Equal(bob.Ed25519Key, restoredBob.Ed25519Key);
        Assert.Equal(bob.ToJson().ToJsonString(), restoredBob.ToJson().ToJsonString());
        Assert.Equal(aliceSession.SessionId, restoredAliceSession.SessionId);
        Assert.Equal(aliceSession.ToJson().ToJsonString(), restoredAliceSession.ToJson().ToJsonString());
        Assert.Equal("pending", Encoding.UTF8.GetString(restoredAliceSession.Decrypt(pending)));
        Assert.Equal("held back", Encoding.UTF8.GetString(restoredBobSession.Decrypt(held)));
        Assert.Equal("three", Encoding.UTF8.GetString(restoredBobSession.Decrypt(restoredAliceSession.Encrypt("three"))));
        Assert.Equal(JsonNode.Parse(bob.OneTimeKeysForUpload(Bob, "D").ToJsonString())!.AsObject().Count, restoredBob.OneTimeKeysForUpload(Bob, "D").Count);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"kind\":\"olm_session\",\"version\":2}")]
    [InlineData("{\"kind\":\"olm_account\",\"version\":1}")]
    [InlineData("[]")]
    public void Foreign_state_is_refused(string state)
    {
        Assert.Equal(CryptoFailure.BadState, Assert.Throws<CryptoException>(() => OlmSession.FromJson(JsonNode.Parse(state))).Failure);
        Assert.Equal(CryptoFailure.BadState, Assert.Throws<CryptoException>(() => OlmAccount.FromJson(JsonNode.Parse(state.Replace("olm_account", "x", StringComparison.Ordinal)))).Failure);
    }

    [Fact]
    public void To_device_content_and_payload_carry_the_spec_fields_and_are_checked()
    {
        var alice = OlmAccount.Create();
        var bob = OlmAccount.Create();
        bob.GenerateOneTimeKeys(1);
        var parties = new OlmParties(Alice, "ALICEDEV", alice.Ed25519Key, Bob, bob.Ed25519Key);
        var plaintext = EncryptedContent.OlmPlaintext("m.room_key", new JsonObject { ["k"] = "v" }, parties, alice.DeviceKeysForUpload(Alice, "ALICEDEV"));
        var content = EncryptedContent.ToDevice(alice.Curve25519Key, bob.Curve25519Key, alice.CreateOutboundSession(bob.Curve25519Key, OneTimeKey(bob)).Encrypt(plaintext));

        Assert.Equal(new[] { "algorithm", "sender_key", "ciphertext" }, content.Select(pair => pair.Key));
        Assert.Equal("m.olm.v1.curve25519-aes-sha2", (string?)content["algorithm"]);
        Assert.Equal(0, (int)content["ciphertext"]![bob.Curve25519Key]!["type"]!);

        var (senderKey, message) = EncryptedContent.ReadToDevice(JsonNode.Parse(content.ToJsonString())!.AsObject(), bob.Curve25519Key);
        Assert.Equal(alice.Curve25519Key, senderKey);
        var payload = EncryptedContent.ReadOlmPlaintext(bob.CreateInboundSession(message, senderKey).Plaintext, parties with { SenderEd25519 = "" });
        Assert.Equal("m.room_key", (string?)payload["type"]);
        Assert.Equal("ALICEDEV", (string?)payload["sender_device"]);
        Assert.Equal(alice.Ed25519Key, (string?)payload["keys"]!["ed25519"]);
        Assert.Equal(bob.Ed25519Key, (string?)payload["recipient_keys"]!["ed25519"]);
        DeviceKeys.Verify(payload["sender_device_keys"]!.AsObject(), Alice, "ALICEDEV");

        Assert.Throws<CryptoException>(() => EncryptedContent.ReadToDevice(content, alice.Curve25519Key));
        Assert.Throws<CryptoException>(() => EncryptedContent.ReadOlmPlaintext(plaintext, parties with { Sender = "@mallory:example.org" }));
        Assert.Throws<CryptoException>(() => EncryptedContent.ReadOlmPlaintext(plaintext, parties with { SenderEd25519 = bob.Ed25519Key }));
        Assert.Throws<CryptoException>(() => EncryptedContent.ReadOlmPlaintext(plaintext, parties with { Recipient = "@carol:example.org" }));
        Assert.Throws<CryptoException>(() => EncryptedContent.ReadOlmPlaintext(plaintext, parties with { RecipientEd25519 = alice.Ed25519Key }));
    }

    [Fact]
    public void ToString_never_shows_secret_material()
    {
        var (aliceSession, bobSession) = Pair(out var alice, out var bob);
        aliceSession.Decrypt(bobSession.Encrypt("x"));
        var curve = Curve25519KeyPair.Generate();
        var ed = Ed25519KeyPair.Generate();
        var secrets = new[] { alice.ToJson(), bob.ToJson(), aliceSession.ToJson(), bobSession.ToJson() }
            .SelectMany(Secrets)
            .Concat([UnpaddedBase64.Encode(curve.ExportPrivateKey()), UnpaddedBase64.Encode(ed.ExportSeed())])
            .ToList();
        var shown = string.Join("\n", alice, bob, aliceSession, bobSession, curve, ed);

        Assert.Contains(alice.Curve25519Key, shown, StringComparison.Ordinal);
        Assert.True(secrets.Count > 10);
        Assert.All(secrets, secret => Assert.DoesNotContain(secret, shown, StringComparison.Ordinal));
    }

    /// <summary>Every secret-bearing value of an export (private keys, chain, root and message keys).</summary>
    internal static IEnumerable<string> Secrets(JsonNode? node) => node switch
    {
        JsonObject obj => obj.SelectMany(pair =>
            pair.Key is "curve25519" or "ed25519" or "key" or "root_key" or "chain_key" or "message_key" or "ratchet" or "signing_key" or "initial_ratchet" or "latest_ratchet" or "ratchet_key"
                && pair.Value is JsonValue value
                ? [value.GetValue<string>()]
                : Secrets(pair.Value)),
        JsonArray array => array.SelectMany(Secrets),
        _ => [],
    };

    private static string OneTimeKey(OlmAccount account) =>
        (string)account.OneTimeKeysForUpload("@x:example.org", "X").First().Value!["key"]!;

    private static (OlmSession Alice, OlmSession Bob) Pair(out OlmAccount alice, out OlmAccount bob)
    {
        alice = OlmAccount.Create();
        bob = OlmAccount.Create();
        bob.GenerateOneTimeKeys(1);
        var aliceSession = alice.CreateOutboundSession(bob.Curve25519Key, OneTimeKey(bob));
        var first = aliceSession.Encrypt("hello");
        var bobSession = bob.CreateInboundSession(first, alice.Curve25519Key).Session;
        return (aliceSession, bobSession);
    }
}
