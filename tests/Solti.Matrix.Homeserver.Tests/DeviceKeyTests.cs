using System.Text.Json.Nodes;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Homeserver.Tests.Support;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Homeserver.Tests;

/// <summary><c>/keys/upload</c>, <c>/keys/query</c>, <c>/keys/claim</c> and <c>/keys/changes</c> as Synapse answers them
/// (shared/reference/recordings-synapse-1.67-e2ee.md), on the current profile; <see cref="DeviceKeyTestsOnSynapse167"/>
/// runs them on 1.67's.</summary>
[Trait("tier", "integration")]
public class DeviceKeyTests : ProfiledTests
{
    [Fact]
    public async Task Upload_counts_one_time_keys_and_refuses_a_key_id_again_with_other_content()
    {
        await using var hs = await StartAsync();
        var bot = await E2eeClient.BotAsync(hs);
        var first = bot.SignedKey("first-key");
        var upload = await bot.UploadAsync(new JsonObject
        {
            ["device_keys"] = bot.DeviceKeys(),
            ["one_time_keys"] = new JsonObject { ["signed_curve25519:AAAAA0"] = first, ["signed_curve25519:AAAAA1"] = bot.SignedKey("second-key") },
            ["fallback_keys"] = new JsonObject { ["signed_curve25519:AAAAFB"] = bot.SignedKey("fallback-key", fallback: true) },
        });
        Assert.Equal((200, """{"one_time_key_counts":{"signed_curve25519":2}}"""), (upload.Code, upload.Text));

        var again = first.DeepClone().AsObject();
        again["signatures"] = new JsonObject(); // signatures may differ between uploads
        var same = await bot.UploadAsync(new JsonObject { ["one_time_keys"] = new JsonObject { ["signed_curve25519:AAAAA0"] = again } });
        Assert.Equal((200, 2), (same.Code, same.Object["one_time_key_counts"]!["signed_curve25519"]!.GetValue<int>()));

        var conflict = await bot.UploadAsync(new JsonObject
        {
            ["one_time_keys"] = new JsonObject
            {
                ["signed_curve25519:AAAAA2"] = bot.SignedKey("not-stored"),
                ["signed_curve25519:AAAAA0"] = new JsonObject { ["key"] = "other-key", ["signatures"] = new JsonObject() },
            },
        });
        Assert.Equal((400, "M_UNKNOWN"), (conflict.Code, conflict.Errcode));
        Assert.Equal(
            "One time key signed_curve25519:AAAAA0 already exists. Old key: {\"key\":\"first-key\",\"signatures\":{\"@bot:localhost\":{\"ed25519:BOTDEV\":\"sig-first-key\"}}}; new key: {'key': 'other-key', 'signatures': {}}",
            conflict.Str("error"));

        var counts = await bot.UploadAsync(new JsonObject());
        Assert.Equal("""{"one_time_key_counts":{"signed_curve25519":2}}""", counts.Text); // the refused upload stored nothing
        var noDevice = await hs.Client.PostAsync(E2eeClient.V3 + "/keys/upload", new JsonObject(), await DevicelessBotTokenAsync(hs));
        Assert.Equal((400, "To upload keys, you must pass device_id when authenticating"), (noDevice.Code, noDevice.Str("error")));
    }

    [Fact]
    public async Task Query_answers_the_uploaded_device_keys_with_the_display_name_and_every_recorded_section()
    {
        await using var hs = await StartAsync();
        var named = await E2eeClient.BotAsync(hs, "NAMED", displayName: "bot phone");
        var plain = await E2eeClient.BotAsync(hs, "PLAIN");
        await E2eeClient.BotAsync(hs, "NOKEYS");
        Assert.Equal(200, (await named.UploadAsync(new JsonObject { ["device_keys"] = named.DeviceKeys() })).Code);
        Assert.Equal(200, (await plain.UploadAsync(new JsonObject { ["device_keys"] = plain.DeviceKeys() })).Code);

        var all = await plain.QueryAsync(new JsonObject { [hs.BotId] = new JsonArray(), ["@nobody:localhost"] = new JsonArray() });
        Assert.Equal(200, all.Code);
        Assert.Equal(["device_keys", "failures", "master_keys", "self_signing_keys", "user_signing_keys"], all.Object.Select(p => p.Key));
        var devices = all.Object["device_keys"]![hs.BotId]!.AsObject();
        Assert.Equal(["NAMED", "PLAIN"], devices.Select(p => p.Key)); // a device without keys is left out
        var keys = devices["NAMED"]!.AsObject();
        Assert.Equal(["algorithms", "device_id", "keys", "signatures", "user_id", "unsigned"], keys.Select(p => p.Key)); // stored as canonical JSON, unsigned added
        Assert.Equal("""{"device_display_name":"bot phone"}""", keys["unsigned"]!.ToJsonString());
        Assert.Equal("{}", devices["PLAIN"]!["unsigned"]!.ToJsonString());
        Assert.Equal("{}", all.Object["device_keys"]!["@nobody:localhost"]!.ToJsonString());

        var one = await plain.QueryAsync(new JsonObject { [hs.BotId] = new JsonArray("PLAIN") });
        Assert.Equal(["PLAIN"], one.Object["device_keys"]![hs.BotId]!.AsObject().Select(p => p.Key));
        var remote = await plain.QueryAsync(new JsonObject { ["@someone:elsewhere.example"] = new JsonArray() });
        Assert.True(remote.Object["failures"]!.AsObject().ContainsKey("elsewhere.example"));
        var bad = await plain.QueryAsync(new JsonObject { [hs.BotId] = "PLAIN" });
        Assert.Equal((400, "M_BAD_JSON"), (bad.Code, bad.Errcode));
    }

    [Fact]
    public async Task Claim_consumes_one_time_keys_then_hands_out_the_fallback_key_without_consuming_it()
    {
        await using var hs = await StartAsync();
        var bot = await E2eeClient.BotAsync(hs);
        var admin = await E2eeClient.AdminAsync(hs);
        var fallback = bot.SignedKey("fallback-key", fallback: true);
        await bot.UploadAsync(new JsonObject
        {
            ["device_keys"] = bot.DeviceKeys(),
            ["one_time_keys"] = new JsonObject { ["signed_curve25519:AAAAA0"] = bot.SignedKey("k0"), ["signed_curve25519:AAAAA1"] = bot.SignedKey("k1") },
            ["fallback_keys"] = new JsonObject { ["signed_curve25519:AAAAFB"] = fallback.DeepClone() },
        });
        var before = await bot.SyncAsync();
        Assert.Equal(2, before["device_one_time_keys_count"]!["signed_curve25519"]!.GetValue<int>());
        Assert.Equal("""["signed_curve25519"]""", before["device_unused_fallback_key_types"]!.ToJsonString());

        var claimed = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var claim = await admin.ClaimAsync(hs.BotId, bot.DeviceId);
            Assert.Equal(200, claim.Code);
            Assert.Equal("{}", claim.Object["failures"]!.ToJsonString());
            var key = claim.Object["one_time_keys"]![hs.BotId]![bot.DeviceId]!.AsObject().Single();
            claimed.Add(key.Key);
            if (key.Key.EndsWith("AAAAFB", StringComparison.Ordinal))
            {
                Assert.True(JsonNode.DeepEquals(fallback, key.Value));
            }
        }

        Assert.Equal(["signed_curve25519:AAAAA0", "signed_curve25519:AAAAA1", "signed_curve25519:AAAAFB", "signed_curve25519:AAAAFB"], claimed);
        var after = await bot.SyncAsync();
        Assert.Equal("""{"signed_curve25519":0}""", after["device_one_time_keys_count"]!.ToJsonString());
        Assert.Equal("[]", after["device_unused_fallback_key_types"]!.ToJsonString());
        Assert.Equal("[]", after["org.matrix.msc2732.device_unused_fallback_key_types"]!.ToJsonString());
        var unknown = await admin.ClaimAsync(hs.BotId, "NO-SUCH-DEVICE");
        Assert.Equal("""{"one_time_keys":{},"failures":{}}""", unknown.Text);

        await bot.UploadAsync(new JsonObject { ["fallback_keys"] = new JsonObject { ["signed_curve25519:AAAAFB"] = fallback.DeepClone() } });
        Assert.Equal("[]", (await bot.SyncAsync())["device_unused_fallback_key_types"]!.ToJsonString()); // the same key again stays used
        await bot.UploadAsync(new JsonObject { ["fallback_keys"] = new JsonObject { ["signed_curve25519:AAAAFC"] = bot.SignedKey("new-fallback", fallback: true) } });
        Assert.Equal("""["signed_curve25519"]""", (await bot.SyncAsync())["device_unused_fallback_key_types"]!.ToJsonString());
    }

    [Fact]
    public async Task Key_changes_name_room_members_who_uploaded_keys_and_those_who_left()
    {
        await using var hs = await StartAsync();
        var (admin, bot, roomId) = await SharedRoomAsync(hs);
        var from = await admin.NextBatchAsync();

        Assert.Equal(200, (await bot.UploadAsync(new JsonObject { ["device_keys"] = bot.DeviceKeys() })).Code);
        var changes = await hs.Client.GetAsync($"{E2eeClient.V3}/keys/changes?from={from}&to={from}", admin.Token);
        Assert.Equal((200, """{"changed":["@bot:localhost"],"left":[]}"""), (changes.Code, changes.Text)); // `to` is ignored, as Synapse ignores it

        var afterUpload = await admin.NextBatchAsync();
        Assert.Equal(200, (await bot.UploadAsync(new JsonObject { ["device_keys"] = bot.DeviceKeys() })).Code); // the same keys: no change
        Assert.Equal("""{"changed":[],"left":[]}""", (await hs.Client.GetAsync($"{E2eeClient.V3}/keys/changes?from={afterUpload}", admin.Token)).Text);

        Assert.Equal(200, (await hs.Client.PostAsync($"{E2eeClient.V3}/rooms/{MatrixTestClient.Enc(roomId)}/leave", null, bot.Token)).Code);
        Assert.Equal("""{"changed":[],"left":["@bot:localhost"]}""", (await hs.Client.GetAsync($"{E2eeClient.V3}/keys/changes?from={afterUpload}", admin.Token)).Text);
        var missing = await hs.Client.GetAsync($"{E2eeClient.V3}/keys/changes", admin.Token);
        Assert.Equal((400, "M_MISSING_PARAM"), (missing.Code, missing.Errcode));
    }

    [Fact]
    public async Task Deleting_a_device_by_logout_or_the_admin_api_removes_its_keys()
    {
        await using var hs = await StartAsync();
        var admin = await E2eeClient.AdminAsync(hs);
        var gone = await E2eeClient.BotAsync(hs, "LOGGEDOUT");
        var deleted = await E2eeClient.BotAsync(hs, "DELETED");
        var kept = await E2eeClient.BotAsync(hs, "KEPT");
        foreach (var device in new[] { gone, deleted, kept })
        {
            await device.UploadAsync(new JsonObject { ["device_keys"] = device.DeviceKeys(), ["one_time_keys"] = new JsonObject { ["signed_curve25519:A"] = device.SignedKey("k") } });
        }

        Assert.Equal(200, (await hs.Client.PostAsync(E2eeClient.V3 + "/logout", null, gone.Token)).Code);
        Assert.Equal(200, (await hs.Client.DeleteAsync($"/_synapse/admin/v2/users/{MatrixTestClient.Enc(hs.BotId)}/devices/DELETED", admin.Token)).Code);

        var query = await admin.QueryAsync(new JsonObject { [hs.BotId] = new JsonArray() });
        Assert.Equal(["KEPT"], query.Object["device_keys"]![hs.BotId]!.AsObject().Select(p => p.Key));
        Assert.Equal("""{"one_time_keys":{},"failures":{}}""", (await admin.ClaimAsync(hs.BotId, "DELETED")).Text);

        var relogged = await E2eeClient.BotAsync(hs, "LOGGEDOUT"); // the same device id again starts without keys
        Assert.Equal("""{"one_time_key_counts":{"signed_curve25519":0}}""", (await relogged.UploadAsync(new JsonObject())).Text);
    }

    [Fact]
    public async Task The_client_device_api_deletes_a_device_and_its_keys_behind_password_authentication()
    {
        await using var hs = await StartAsync();
        var admin = await E2eeClient.AdminAsync(hs);
        var bot = await E2eeClient.BotAsync(hs, "CURRENT");
        var old = await E2eeClient.BotAsync(hs, "OLD", displayName: "old phone");
        await old.UploadAsync(new JsonObject { ["device_keys"] = old.DeviceKeys() });
        var devices = await hs.Client.GetAsync(E2eeClient.V3 + "/devices", bot.Token);
        Assert.Equal(["CURRENT", "OLD"], devices.Object["devices"]!.AsArray().Select(d => d!["device_id"]!.GetValue<string>()));
        Assert.Equal("old phone", (await hs.Client.GetAsync(E2eeClient.V3 + "/devices/OLD", bot.Token)).Str("display_name"));

        var challenge = await hs.Client.DeleteAsync(E2eeClient.V3 + "/devices/OLD", bot.Token);
        Assert.Equal(401, challenge.Code);
        Assert.Equal("""[{"stages":["m.login.password"]}]""", challenge.Object["flows"]!.ToJsonString());
        var session = challenge.Str("session");
        JsonObject Auth(string password) => new()
        {
            ["auth"] = new JsonObject
            {
                ["type"] = "m.login.password",
                ["identifier"] = new JsonObject { ["type"] = "m.id.user", ["user"] = "bot" },
                ["password"] = password,
                ["session"] = session,
            },
        };
        var wrong = await hs.Client.DeleteAsync(E2eeClient.V3 + "/devices/OLD", bot.Token, Auth("wrong"));
        Assert.Equal((401, "M_FORBIDDEN", session), (wrong.Code, wrong.Errcode, wrong.Str("session")));
        Assert.Single((await admin.QueryAsync(new JsonObject { [hs.BotId] = new JsonArray() })).Object["device_keys"]![hs.BotId]!.AsObject());

        Assert.Equal(200, (await hs.Client.DeleteAsync(E2eeClient.V3 + "/devices/OLD", bot.Token, Auth(TestHomeserver.BotPassword))).Code);
        Assert.Equal(401, (await hs.Client.GetAsync(E2eeClient.V3 + "/account/whoami", old.Token)).Code);
        Assert.Empty((await admin.QueryAsync(new JsonObject { [hs.BotId] = new JsonArray() })).Object["device_keys"]![hs.BotId]!.AsObject());
        Assert.Equal(404, (await hs.Client.GetAsync(E2eeClient.V3 + "/devices/OLD", bot.Token)).Code);
    }

    private static async Task<string> DevicelessBotTokenAsync(TestHomeserver hs)
    {
        var admin = await hs.LoginAdminAsync();
        return (await hs.Client.PostAsync($"/_synapse/admin/v1/users/{MatrixTestClient.Enc(hs.BotId)}/login", new JsonObject(), admin.AccessToken)).Str("access_token");
    }
}

[Trait("tier", "integration")]
public sealed class DeviceKeyTestsOnSynapse167 : DeviceKeyTests
{
    protected override Compatibility Profile => Compatibility.Synapse167;
}

/// <summary>What the profiles answer differently for keys.</summary>
[Trait("tier", "integration")]
public sealed class DeviceKeyProfileTests
{
    [Theory]
    [InlineData(false, 400)] // Synapse 1.140 (PR #17097) checks that device_keys name the requester's device
    [InlineData(true, 200)] // Synapse 1.67 stores them as given
    public async Task Device_keys_naming_another_device(bool synapse167, int status)
    {
        await using var hs = await TestHomeserver.StartAsync(o => synapse167 ? o with { Compatibility = Compatibility.Synapse167 } : o);
        var bot = await E2eeClient.BotAsync(hs);
        var keys = bot.DeviceKeys();
        keys["device_id"] = "SOMEONE-ELSE";

        var upload = await bot.UploadAsync(new JsonObject { ["device_keys"] = keys });

        Assert.Equal(status, upload.Code);
        if (status == 400)
        {
            Assert.Equal(("M_BAD_JSON", "Provided `device_id` in `device_keys` does not match that of the authenticated user device"), (upload.Errcode, upload.Str("error")));
        }
    }
}
