using System.Text;
using System.Text.Json.Nodes;
using Solti.Matrix.Crypto;

namespace Solti.Matrix.Tests.Crypto;

/// <summary>Megolm: the ratchet against libolm's tests/test_megolm.cpp, sessions against libolm's
/// tests/test_group_session.cpp, matrix-js-sdk's generated test data and <see cref="LibolmVectors"/>, and our own
/// sessions: far advance, export and import, tampering, and the event contents.</summary>
[Trait("tier", "unit")]
public sealed class MegolmTests
{
    private static readonly byte[] NotSoRandom = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("0123456789ABCDEF0123456789ABCDEF", 4)));

    private static JsonObject Vectors(string name) => JsonNode.Parse(LibolmVectors.Json)![name]!.AsObject();

    // libolm tests/test_megolm.cpp, "Megolm::advance": R(3) rehashed once
    private static readonly byte[] Expected1 = Convert.FromHexString(
        "303132333435363738394142434445463031323334353637383941424344454630313233343536373839414243444546303132333435363738394142434445463031323334353637383941424344454630313233343536373839414243444546" +
        "ba9cd955741d1c162323ec825e7c5ce889bbb423a18f23828fb2090d6e2af86a");

    // … advanced to 0x1000000: everything reseeded from R(0)
    private static readonly byte[] Expected2 = Convert.FromHexString(
        "54022d7dc0298e1637e21c97153092f933c056ff74fe1b922d971f2482c2859c7004c01ee49bd6efe0073525af9b1632c5be726d12349cc5bd472bdc2df6540f" +
        "3112591194fda617e568c683101eaecd7eddd6de1fbc0767ae34da1a09a54eabba9cd955741d1c162323ec825e7c5ce889bbb423a18f23828fb2090d6e2af86a");

    // … then to 0x1041506
    private static readonly byte[] Expected3 = Convert.FromHexString(
        "54022d7dc0298e1637e21c97153092f933c056ff74fe1b922d971f2482c2859c55588df5b7a48878428927868164589f3663447b51edc3595b036ca604c46dcd" +
        "5c54850bfa98a1fd79a9df1cbe8fc5681937d30c85c8c31f7bb828816cf9ff3b956cbf807e65126a49558d45c84a2e4cd56f03e24416b98e1cfd97c206aa907a");

    [Fact]
    public void The_ratchet_matches_libolms_known_answers()
    {
        var stepped = new MegolmRatchet(NotSoRandom, 0);
        stepped.Advance();
        Assert.Equal(1u, stepped.Counter);
        Assert.Equal(Expected1, stepped.Data.ToArray());

        var jumped = new MegolmRatchet(NotSoRandom, 0);
        jumped.AdvanceTo(1);
        Assert.Equal(Expected1, jumped.Data.ToArray());
        jumped.AdvanceTo(0x1000000);
        Assert.Equal(0x1000000u, jumped.Counter);
        Assert.Equal(Expected2, jumped.Data.ToArray());
        jumped.AdvanceTo(0x1041506);
        Assert.Equal(0x1041506u, jumped.Counter);
        Assert.Equal(Expected3, jumped.Data.ToArray());
    }

    [Fact] // libolm tests/test_megolm.cpp, "Megolm::advance wraparound"
    public void The_ratchet_wraps_around_as_libolms_does()
    {
        var wrapped = new MegolmRatchet(NotSoRandom, 0xffffffff);
        wrapped.AdvanceTo(0x1000000);
        var direct = new MegolmRatchet(NotSoRandom, 0);
        direct.AdvanceTo(0x2000000);

        Assert.Equal(0x1000000u, wrapped.Counter);
        Assert.Equal(direct.Data.ToArray(), wrapped.Data.ToArray());
    }

    [Theory]
    [InlineData(0u, 70_000u)]
    [InlineData(250u, 66_000u)]
    [InlineData(0x00fffff0u, 0x01000010u)]
    public void A_far_advance_equals_advancing_step_by_step(uint from, uint to)
    {
        var seed = new byte[MegolmRatchet.Length];
        new MockRandom(7).Fill(seed);
        var stepped = new MegolmRatchet(seed, from);
        for (var i = from; i < to; i++)
        {
            stepped.Advance();
        }

        var jumped = new MegolmRatchet(seed, from);
        jumped.AdvanceTo(to);

        Assert.Equal(to, stepped.Counter);
        Assert.Equal(stepped.Data.ToArray(), jumped.Data.ToArray());
    }

    [Fact] // libolm tests/test_group_session.cpp, "Inbound group session export/import"
    public void Libolms_session_key_decrypts_its_message_and_survives_export_and_import()
    {
        const string sessionKey = "AgAAAAAwMTIzNDU2Nzg5QUJERUYwMTIzNDU2Nzg5QUJDREVGMDEyMzQ1Njc4OUFCREVGMDEyMzQ1Njc4OUFCQ0RFRjAxMjM0NTY3ODlBQkRFRjAxMjM0NTY3ODlBQkNERUYwMTIzNDU2Nzg5QUJERUYwMTIzNDU2Nzg5QUJDREVGMDEyMw0bdg1BDq4Px/slBow06q8n/B9WBfwWYyNOB8DlUmXGGwrFmaSb9bR/eY8xgERrxmP07hFmD9uqA2p8PMHdnV5ysmgufE6oLZ5+8/mWQOW3VVTnDIlnwd8oHUYRuk8TCQ";
        const string message = "AwgAEhAcbh6UpbByoyZxufQ+h2B+8XHMjhR69G8F4+qjMaFlnIXusJZX3r8LnRORG9T3DXFdbVuvIWrLyRfm4i8QRbe8VPwGRFG57B1CtmxanuP8bHtnnYqlwPsD";

        var session = MegolmInboundSession.FromSessionKey(sessionKey);
        Assert.True(session.IsVerified);
        var decrypted = session.Decrypt(message);
        Assert.Equal("Message", Encoding.UTF8.GetString(decrypted.Plaintext));
        Assert.Equal(0u, decrypted.MessageIndex);

        var imported = MegolmInboundSession.Import(session.ExportAt(0)!);
        Assert.False(imported.IsVerified);
        Assert.Equal(session.SessionId, imported.SessionId);
        Assert.Equal("Message", Encoding.UTF8.GetString(imported.Decrypt(message).Plaintext));
        Assert.True(imported.IsVerified);
    }

    [Fact] // libolm tests/test_group_session.cpp, "Invalid signature group message": the last character bent
    public void A_bent_signature_is_refused_as_libolm_refuses_it()
    {
        var session = MegolmInboundSession.FromSessionKey("AgAAAAAwMTIzNDU2Nzg5QUJERUYwMTIzNDU2Nzg5QUJDREVGMDEyMzQ1Njc4OUFCREVGMDEyMzQ1Njc4OUFCQ0RFRjAxMjM0NTY3ODlBQkRFRjAxMjM0NTY3ODlBQkNERUYwMTIzNDU2Nzg5QUJERUYwMTIzNDU2Nzg5QUJDREVGMDEyMztqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop4lx1cSN3Xv1TgfLPW8rhGiW+hHiMxd36nRuxscNv9k4oJA/KP+o0mi1wv44StrEJ1wwx9WZHBUIWkQbaBSuBDw");
        const string message = "AwgAEhAcbh6UpbByoyZxufQ+h2B+8XHMjhR69G8nP4pNZGl/3QMgrzCZPmP+F2aPLyKPzxRPBMUkeXRJ6Iqm5NeOdx2eERgTW7P20CM+lL3Xpk+ZUOOPvsSQNaAL";

        Assert.Equal("Message", Encoding.UTF8.GetString(session.Decrypt(message).Plaintext));
        Assert.Equal(CryptoFailure.BadSignature, Assert.Throws<CryptoException>(() => session.Decrypt(message[..^1] + "E")).Failure);
    }

    [Fact] // matrix-js-sdk spec/test-utils/test-data: MEGOLM_SESSION_DATA (export format) and ENCRYPTED_EVENT
    public void An_exported_session_from_matrix_js_sdk_test_data_decrypts_its_event()
    {
        var session = MegolmInboundSession.Import("AQAAAABXGO+Z9jlQJhIL6ByhXrv2BwCIxkhh7MXpKLsYmXkJcWrQlirmXmD79ga1zo+I4DCtEZzyGSpDWXBC6G7ez3H4gDMBam1RE3Jm5tc+oTlIri32UkYgSL0kBkcEnttqmIXBlK8tAfJo3cJnlh7F4ltEOAqrdME6dU0zXTkqXmURqYqXSOmbP+w8xUxIYgNohmjA3x5CGApXql0+i/uXtf3K");

        Assert.Equal("ipdI6Zs/7DzFTEhiA2iGaMDfHkIYCleqXT6L+5e1/co", session.SessionId);
        var decrypted = session.Decrypt("AwgAEnAkBmciEAyhh1j6DCk29UXJ7kv/kvayUNfuNT0iAioLxcXjFXOZ5ho3jF1/wrytlt0Lb298uMM67OxdVMi+/mMfYpwlvi07P9cIH6CMSj8tyhYoWl0SrKY6tkPf5GWOlRSRRKbziXa96FHXvnA3V2FCAIGtAe3G4ei5RPbhkmKAFBLAen33/D6MjJVqU8Ojr5vTkgls5eyirarlVpsmnH06alDaxO8avrU0NL+Vsw26xvlUQgEMOnUJ");
        Assert.Equal("{\"content\":{\"body\":\"Hello world\",\"msgtype\":\"m.text\"},\"room_id\":\"!room:id\",\"type\":\"m.room.message\"}", Encoding.UTF8.GetString(decrypted.Plaintext));
        var payload = EncryptedContent.ReadMegolmPlaintext(decrypted.Plaintext, "!room:id");
        Assert.Equal("Hello world", (string?)payload["content"]!["body"]);
        Assert.Equal(CryptoFailure.BadPayload, Assert.Throws<CryptoException>(() => EncryptedContent.ReadMegolmPlaintext(decrypted.Plaintext, "!other:id")).Failure);
    }

    [Fact]
    public void Libolms_outbound_session_decrypts_at_its_first_and_a_far_index()
    {
        var v = Vectors("libolm_megolm");
        var session = MegolmInboundSession.FromSessionKey((string)v["session_key"]!);

        Assert.Equal((string?)v["session_id"], session.SessionId);
        var far = session.Decrypt((string)v["messages"]!["200"]!);
        Assert.Equal(("Megolm from libolm, index 200", 200u), (Encoding.UTF8.GetString(far.Plaintext), far.MessageIndex));
        var first = session.Decrypt((string)v["messages"]!["0"]!); // older than the latest ratchet: from the initial one
        Assert.Equal(("Megolm from libolm, index 0", 0u), (Encoding.UTF8.GetString(first.Plaintext), first.MessageIndex));
    }

    [Fact]
    public void Our_outbound_session_is_what_libolm_read()
    {
        var v = Vectors("ours_megolm_libolm_read");
        var session = MegolmOutboundSession.Create(new MockRandom((byte)'M'));

        Assert.Equal((string?)v["session_id"], session.SessionId);
        Assert.Equal((string?)v["session_key"], session.SessionKey());
        Assert.Equal((string?)v["m0"], session.Encrypt("Megolm from solti-matrix, index 0"u8));
        Assert.Equal((string?)v["m1"], session.Encrypt("index 1"u8));
        while (session.MessageIndex < 300)
        {
            session.Encrypt("skipped"u8);
        }

        Assert.Equal((string?)v["m300"], session.Encrypt("index 300"u8));
        Assert.Equal("index 300", (string?)v["libolm_read"]!["m300"]![0]);
    }

    [Fact]
    public void Our_sessions_round_trip_at_any_index_from_a_later_key_and_refuse_earlier_ones()
    {
        var outbound = MegolmOutboundSession.Create();
        var fromStart = MegolmInboundSession.FromSessionKey(outbound.SessionKey());
        var messages = Enumerable.Range(0, 10).Select(i => outbound.Encrypt(Encoding.UTF8.GetBytes("m" + i))).ToList();
        var late = MegolmInboundSession.FromSessionKey(outbound.SessionKey());
        var later = outbound.Encrypt("m10"u8);

        Assert.Equal(outbound.SessionId, fromStart.SessionId);
        Assert.Equal(11u, outbound.MessageIndex);
        Assert.Equal(10u, late.FirstKnownIndex);
        Assert.Equal("m10", Encoding.UTF8.GetString(late.Decrypt(later).Plaintext));
        Assert.Equal(CryptoFailure.UnknownMessageIndex, Assert.Throws<CryptoException>(() => late.Decrypt(messages[3])).Failure);
        Assert.Null(late.ExportAt(9));
        foreach (var i in new[] { 7, 2, 9, 0, 2 })
        {
            var decrypted = fromStart.Decrypt(messages[i]);
            Assert.Equal(("m" + i, (uint)i), (Encoding.UTF8.GetString(decrypted.Plaintext), decrypted.MessageIndex));
        }

        var exported = MegolmInboundSession.Import(fromStart.ExportAt(5)!);
        Assert.Equal(5u, exported.FirstKnownIndex);
        Assert.Equal("m6", Encoding.UTF8.GetString(exported.Decrypt(messages[6]).Plaintext));
        Assert.Throws<CryptoException>(() => exported.Decrypt(messages[4]));
    }

    [Fact]
    public void A_bad_MAC_or_a_foreign_signature_or_a_bent_session_key_is_refused()
    {
        var outbound = MegolmOutboundSession.Create();
        var inbound = MegolmInboundSession.FromSessionKey(outbound.SessionKey());
        var state = outbound.ToJson();
        var signingKey = Ed25519KeyPair.FromSeed(UnpaddedBase64.Decode((string)state["signing_key"]!));
        var wrongRatchet = AesSha2Cipher.ForMegolm(new byte[MegolmRatchet.Length]);

        var badMac = UnpaddedBase64.Encode(MegolmMessage.Encode(0, wrongRatchet.Encrypt("x"u8), wrongRatchet, signingKey));
        Assert.Equal(CryptoFailure.BadMac, Assert.Throws<CryptoException>(() => inbound.Decrypt(badMac)).Failure);
        var foreign = MegolmOutboundSession.Create().Encrypt("x"u8);
        Assert.Equal(CryptoFailure.BadSignature, Assert.Throws<CryptoException>(() => inbound.Decrypt(foreign)).Failure);
        Assert.Throws<CryptoException>(() => inbound.Decrypt("AwgA"));
        Assert.Equal("fine", Encoding.UTF8.GetString(inbound.Decrypt(outbound.Encrypt("fine"u8)).Plaintext));

        var key = UnpaddedBase64.Decode(outbound.SessionKey());
        key[10] ^= 1;
        Assert.Equal(CryptoFailure.BadSignature, Assert.Throws<CryptoException>(() => MegolmInboundSession.FromSessionKey(UnpaddedBase64.Encode(key))).Failure);
        Assert.Equal(CryptoFailure.BadEncoding, Assert.Throws<CryptoException>(() => MegolmInboundSession.Import(outbound.SessionKey())).Failure);
        Assert.Equal(CryptoFailure.BadEncoding, Assert.Throws<CryptoException>(() => MegolmInboundSession.FromSessionKey(inbound.ExportAt(1)!)).Failure);
    }

    [Fact]
    public void Sessions_restore_from_their_export()
    {
        var outbound = MegolmOutboundSession.Create();
        var inbound = MegolmInboundSession.FromSessionKey(outbound.SessionKey());
        var early = outbound.Encrypt("early"u8);
        inbound.Decrypt(outbound.Encrypt("advance the latest ratchet"u8));

        var restoredOut = MegolmOutboundSession.FromJson(JsonNode.Parse(outbound.ToJson().ToJsonString()));
        var restoredIn = MegolmInboundSession.FromJson(JsonNode.Parse(inbound.ToJson().ToJsonString()));

        Assert.Equal(outbound.SessionId, restoredOut.SessionId);
        Assert.Equal(2u, restoredOut.MessageIndex);
        Assert.Equal(outbound.SessionKey(), restoredOut.SessionKey());
        Assert.Equal("next", Encoding.UTF8.GetString(restoredIn.Decrypt(restoredOut.Encrypt("next"u8)).Plaintext));
        Assert.Equal("early", Encoding.UTF8.GetString(restoredIn.Decrypt(early).Plaintext));
        Assert.Equal(CryptoFailure.BadState, Assert.Throws<CryptoException>(() => MegolmInboundSession.FromJson(outbound.ToJson())).Failure);
    }

    [Fact]
    public void The_event_contents_carry_the_spec_fields()
    {
        var outbound = MegolmOutboundSession.Create();
        var roomKey = RoomKeyContent.RoomKey("!room:example.org", outbound);
        Assert.Equal(new[] { "algorithm", "room_id", "session_id", "session_key" }, roomKey.Select(pair => pair.Key));
        Assert.Equal(outbound.SessionId, MegolmInboundSession.FromSessionKey((string)roomKey["session_key"]!).SessionId);

        var plaintext = EncryptedContent.MegolmPlaintext("!room:example.org", "m.room.message", new JsonObject { ["body"] = "hi", ["msgtype"] = "m.text" });
        var room = EncryptedContent.Room("curveKey", "DEVICE", outbound.SessionId, outbound.Encrypt(plaintext));
        Assert.Equal(new[] { "algorithm", "sender_key", "ciphertext", "session_id", "device_id" }, room.Select(pair => pair.Key));
        Assert.Equal(new[] { "m.megolm.v1.aes-sha2", "curveKey", outbound.SessionId, "DEVICE" }, new[] { "algorithm", "sender_key", "session_id", "device_id" }.Select(name => (string?)room[name]));
        Assert.Equal(plaintext, MegolmInboundSession.FromSessionKey((string)roomKey["session_key"]!).Decrypt((string)room["ciphertext"]!).Plaintext);
        Assert.Equal("{\"content\":{\"body\":\"hi\",\"msgtype\":\"m.text\"},\"room_id\":\"!room:example.org\",\"type\":\"m.room.message\"}", Encoding.UTF8.GetString(plaintext));

        // the spec's m.room_key.withheld example, and m.no_olm without room or session
        var withheld = RoomKeyContent.Withheld(WithheldCode.Unverified, "RF3s+E7RkTQTGF2d8Deol0FkQvgII2aJDf3/Jp5mxVU", "!Cuyf34gef24t:localhost", "X3lUlvLELLYxeTx4yOVu6UDpasGEVO0Jbu+QFnm0cKQ", "Device not verified");
        Assert.Equal(
            "{\"algorithm\":\"m.megolm.v1.aes-sha2\",\"code\":\"m.unverified\",\"reason\":\"Device not verified\",\"room_id\":\"!Cuyf34gef24t:localhost\",\"sender_key\":\"RF3s+E7RkTQTGF2d8Deol0FkQvgII2aJDf3/Jp5mxVU\",\"session_id\":\"X3lUlvLELLYxeTx4yOVu6UDpasGEVO0Jbu+QFnm0cKQ\"}",
            CanonicalJson.Serialize(withheld));
        Assert.Equal("{\"algorithm\":\"m.megolm.v1.aes-sha2\",\"code\":\"m.no_olm\",\"sender_key\":\"k\"}", CanonicalJson.Serialize(RoomKeyContent.Withheld(WithheldCode.NoOlm, "k")));
        Assert.Equal(["m.blacklisted", "m.unverified", "m.unauthorised", "m.unavailable", "m.no_olm"], Enum.GetValues<WithheldCode>().Select(RoomKeyContent.Code).ToArray());
        Assert.Throws<ArgumentException>(() => RoomKeyContent.Withheld(WithheldCode.Blacklisted, "k"));
    }

    [Fact]
    public void ToString_never_shows_secret_material()
    {
        var outbound = MegolmOutboundSession.Create();
        var inbound = MegolmInboundSession.FromSessionKey(outbound.SessionKey());
        var shown = outbound + "\n" + inbound;
        string[] secrets =
        [
            (string)outbound.ToJson()["ratchet"]!, (string)outbound.ToJson()["signing_key"]!,
            (string)inbound.ToJson()["initial_ratchet"]!, outbound.SessionKey(),
        ];

        Assert.Contains(outbound.SessionId, shown, StringComparison.Ordinal);
        Assert.All(secrets, secret => Assert.DoesNotContain(secret, shown, StringComparison.Ordinal));
    }
}
