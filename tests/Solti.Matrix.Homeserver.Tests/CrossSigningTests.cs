using System.Text;
using System.Text.Json.Nodes;
using Org.BouncyCastle.Crypto.Parameters;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Homeserver.E2ee;
using Solti.Matrix.Homeserver.Tests.Support;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Homeserver.Tests;

/// <summary>Cross-signing as Synapse serves it (<c>synapse/rest/client/keys.py</c>, <c>handlers/e2e_keys.py</c>):
/// <c>/keys/device_signing/upload</c> with its user-interactive auth, <c>/keys/signatures/upload</c> with each signature
/// checked, and both merged into <c>/keys/query</c>; on the current profile here, on Synapse 1.67's in
/// <see cref="CrossSigningTestsOnSynapse167"/> (which asks the password even for the first upload, as recorded in
/// shared/reference/recordings-synapse-1.67-e2ee.md).</summary>
[Trait("tier", "integration")]
public class CrossSigningTests : ProfiledTests
{
    private static readonly string Upload = E2eeClient.V3 + "/keys/device_signing/upload";
    private static readonly string Signatures = E2eeClient.V3 + "/keys/signatures/upload";

    /// <summary>An Ed25519 key of the test's, from a fixed seed.</summary>
    private sealed class TestKey(byte seed)
    {
        private readonly Ed25519PrivateKeyParameters _key = new([.. Enumerable.Repeat(seed, 32)]);

        public string Public => Convert.ToBase64String(_key.GeneratePublicKey().GetEncoded()).TrimEnd('=');

        public string Id => "ed25519:" + Public;

        public JsonObject Sign(JsonObject value, string userId, string? keyId = null)
        {
            var copy = (JsonObject)value.DeepClone();
            var signatures = copy["signatures"] as JsonObject ?? [];
            copy.Remove("signatures");
            copy.Remove("unsigned");
            var message = Encoding.UTF8.GetBytes(CanonicalJson.Encode(copy));
            var signature = new byte[64];
            _key.Sign(Org.BouncyCastle.Math.EC.Rfc8032.Ed25519.Algorithm.Ed25519, null, message, 0, message.Length, signature, 0);
            var bySigner = signatures[userId] as JsonObject ?? [];
            signatures[userId] = bySigner;
            bySigner[keyId ?? Id] = Convert.ToBase64String(signature).TrimEnd('=');
            copy["signatures"] = signatures;
            return copy;
        }

        public JsonObject CrossSigningKey(string userId, string usage, TestKey? signer = null)
        {
            var key = new JsonObject { ["user_id"] = userId, ["usage"] = new JsonArray(usage), ["keys"] = new JsonObject { [Id] = Public } };
            return signer is null ? key : signer.Sign(key, userId);
        }
    }

    private static readonly TestKey MasterKey = new(1), SelfSigningKey = new(2), UserSigningKey = new(3), DeviceKey = new(4), OtherMaster = new(5);

    private static JsonObject Keys(string userId, TestKey? master = null) => new()
    {
        ["master_key"] = (master ?? MasterKey).CrossSigningKey(userId, "master"),
        ["self_signing_key"] = SelfSigningKey.CrossSigningKey(userId, "self_signing", master ?? MasterKey),
        ["user_signing_key"] = UserSigningKey.CrossSigningKey(userId, "user_signing", master ?? MasterKey),
    };

    private static JsonObject WithPassword(JsonObject body, string session, string password = TestHomeserver.BotPassword)
    {
        var copy = (JsonObject)body.DeepClone();
        copy["auth"] = new JsonObject
        {
            ["type"] = "m.login.password", ["session"] = session, ["password"] = password,
            ["identifier"] = new JsonObject { ["type"] = "m.id.user", ["user"] = "bot" },
        };
        return copy;
    }

    /// <summary>Uploads the keys as a client does: without auth, then with the password when asked.</summary>
    private static async Task<ClientResponse> UploadKeysAsync(TestHomeserver hs, E2eeClient bot, JsonObject body)
    {
        var first = await hs.Client.PostAsync(Upload, body, bot.Token);
        return first.Code == 401 ? await hs.Client.PostAsync(Upload, WithPassword(body, first.Str("session")), bot.Token) : first;
    }

    /// <summary>The bot's device with real keys: its Ed25519 key is <see cref="DeviceKey"/>.</summary>
    private static async Task<JsonObject> DeviceWithKeysAsync(E2eeClient bot)
    {
        var keys = new JsonObject
        {
            ["user_id"] = bot.UserId, ["device_id"] = bot.DeviceId,
            ["algorithms"] = new JsonArray("m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"),
            ["keys"] = new JsonObject { ["curve25519:" + bot.DeviceId] = "curve-key", ["ed25519:" + bot.DeviceId] = DeviceKey.Public },
        };
        keys = DeviceKey.Sign(keys, bot.UserId, "ed25519:" + bot.DeviceId);
        Assert.Equal(200, (await bot.UploadAsync(new JsonObject { ["device_keys"] = keys })).Code);
        return keys;
    }

    [Fact]
    public async Task Uploaded_keys_are_listed_by_query_master_and_self_signing_for_all_user_signing_for_the_owner_only()
    {
        await using var hs = await StartAsync();
        var bot = await E2eeClient.BotAsync(hs);
        var admin = await E2eeClient.AdminAsync(hs);
        var upload = await UploadKeysAsync(hs, bot, Keys(bot.UserId));
        Assert.Equal((200, "{}"), (upload.Code, upload.Text));

        var own = await bot.QueryAsync(new JsonObject { [bot.UserId] = new JsonArray() });
        Assert.Equal(MasterKey.Id, own.Object["master_keys"]![bot.UserId]!["keys"]!.AsObject().Single().Key);
        Assert.Equal(SelfSigningKey.Id, own.Object["self_signing_keys"]![bot.UserId]!["keys"]!.AsObject().Single().Key);
        Assert.Equal(UserSigningKey.Id, own.Object["user_signing_keys"]![bot.UserId]!["keys"]!.AsObject().Single().Key);

        var other = await admin.QueryAsync(new JsonObject { [bot.UserId] = new JsonArray() });
        Assert.True(other.Object["master_keys"]!.AsObject().ContainsKey(bot.UserId));
        Assert.True(other.Object["self_signing_keys"]!.AsObject().ContainsKey(bot.UserId));
        Assert.Equal("{}", other.Object["user_signing_keys"]!.ToJsonString()); // only the owner sees it
    }

    [Fact]
    public async Task A_key_not_signed_by_the_master_key_or_of_another_user_is_refused()
    {
        await using var hs = await StartAsync();
        var bot = await E2eeClient.BotAsync(hs);
        var badSignature = Keys(bot.UserId);
        badSignature["self_signing_key"] = SelfSigningKey.CrossSigningKey(bot.UserId, "self_signing", OtherMaster);
        var refused = await UploadKeysAsync(hs, bot, badSignature);
        Assert.Equal((400, "M_INVALID_SIGNATURE"), (refused.Code, refused.Errcode));

        var notOwn = await UploadKeysAsync(hs, bot, new JsonObject { ["master_key"] = MasterKey.CrossSigningKey("@admin:localhost", "master") });
        Assert.Equal((400, "M_INVALID_PARAM"), (notOwn.Code, notOwn.Errcode));

        var noMaster = await UploadKeysAsync(hs, bot, new JsonObject { ["self_signing_key"] = SelfSigningKey.CrossSigningKey(bot.UserId, "self_signing", MasterKey) });
        Assert.Equal((400, "M_MISSING_PARAM"), (noMaster.Code, noMaster.Errcode));
        Assert.Equal("{}", (await bot.QueryAsync(new JsonObject { [bot.UserId] = new JsonArray() })).Object["master_keys"]!.ToJsonString()); // nothing stored
    }

    [Fact]
    public async Task Replacing_the_keys_asks_the_password_and_a_wrong_one_is_refused()
    {
        await using var hs = await StartAsync();
        var bot = await E2eeClient.BotAsync(hs);
        Assert.Equal(200, (await UploadKeysAsync(hs, bot, Keys(bot.UserId))).Code);

        var replace = Keys(bot.UserId, OtherMaster);
        var challenge = await hs.Client.PostAsync(Upload, replace, bot.Token);
        Assert.Equal(401, challenge.Code);
        Assert.Equal("""[{"stages":["m.login.password"]}]""", challenge.Object["flows"]!.ToJsonString());
        var wrong = await hs.Client.PostAsync(Upload, WithPassword(replace, challenge.Str("session"), "wrong"), bot.Token);
        Assert.Equal((401, "M_FORBIDDEN"), (wrong.Code, wrong.Errcode));
        var replaced = await hs.Client.PostAsync(Upload, WithPassword(replace, challenge.Str("session")), bot.Token);
        Assert.Equal(200, replaced.Code);
        Assert.Equal(OtherMaster.Id, (await bot.QueryAsync(new JsonObject { [bot.UserId] = new JsonArray() })).Object["master_keys"]![bot.UserId]!["keys"]!.AsObject().Single().Key);
    }

    [Fact]
    public async Task A_device_signed_by_the_self_signing_key_and_the_master_key_signed_by_the_device_show_in_query()
    {
        await using var hs = await StartAsync();
        var bot = await E2eeClient.BotAsync(hs);
        var device = await DeviceWithKeysAsync(bot);
        Assert.Equal(200, (await UploadKeysAsync(hs, bot, Keys(bot.UserId))).Code);
        var since = await bot.NextBatchAsync();

        var signedDevice = SelfSigningKey.Sign(device, bot.UserId);
        var signedMaster = DeviceKey.Sign(MasterKey.CrossSigningKey(bot.UserId, "master"), bot.UserId, "ed25519:" + bot.DeviceId);
        var upload = await hs.Client.PostAsync(Signatures, new JsonObject
        {
            [bot.UserId] = new JsonObject { [bot.DeviceId] = signedDevice, [MasterKey.Public] = signedMaster },
        }, bot.Token);
        Assert.Equal((200, """{"failures":{}}"""), (upload.Code, upload.Text));

        var query = (await bot.QueryAsync(new JsonObject { [bot.UserId] = new JsonArray() })).Object;
        var deviceSignatures = query["device_keys"]![bot.UserId]![bot.DeviceId]!["signatures"]![bot.UserId]!.AsObject();
        Assert.Equal(new[] { "ed25519:" + bot.DeviceId, SelfSigningKey.Id }.Order(StringComparer.Ordinal), deviceSignatures.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal(signedDevice["signatures"]![bot.UserId]![SelfSigningKey.Id]!.GetValue<string>(), deviceSignatures[SelfSigningKey.Id]!.GetValue<string>());
        Assert.True(query["master_keys"]![bot.UserId]!["signatures"]![bot.UserId]!.AsObject().ContainsKey("ed25519:" + bot.DeviceId));
        Assert.Contains(bot.UserId, E2eeClient.DeviceListChanged(await bot.SyncAsync(since)));
    }

    [Fact]
    public async Task A_bad_signature_or_a_changed_device_is_a_failure_for_that_key_only()
    {
        await using var hs = await StartAsync();
        var bot = await E2eeClient.BotAsync(hs);
        var device = await DeviceWithKeysAsync(bot);
        var noKeys = await hs.Client.PostAsync(Signatures, new JsonObject { [bot.UserId] = new JsonObject { [bot.DeviceId] = SelfSigningKey.Sign(device, bot.UserId) } }, bot.Token);
        Assert.Equal(404, noKeys.Object["failures"]![bot.UserId]![bot.DeviceId]!["status"]!.GetValue<int>()); // no self-signing key yet

        Assert.Equal(200, (await UploadKeysAsync(hs, bot, Keys(bot.UserId))).Code);
        var changed = (JsonObject)device.DeepClone();
        changed["keys"]!["curve25519:" + bot.DeviceId] = "another-key";
        var forged = OtherMaster.Sign(device, bot.UserId, SelfSigningKey.Id);
        var upload = await hs.Client.PostAsync(Signatures, new JsonObject
        {
            [bot.UserId] = new JsonObject { [bot.DeviceId] = SelfSigningKey.Sign(changed, bot.UserId), ["NOSUCHDEVICE"] = SelfSigningKey.Sign(device, bot.UserId) },
        }, bot.Token);
        Assert.Equal(200, upload.Code);
        var failures = upload.Object["failures"]![bot.UserId]!.AsObject();
        Assert.Equal("Key does not match", failures[bot.DeviceId]!["message"]!.GetValue<string>());
        Assert.Equal((404, "M_NOT_FOUND"), (failures["NOSUCHDEVICE"]!["status"]!.GetValue<int>(), failures["NOSUCHDEVICE"]!["errcode"]!.GetValue<string>()));
        var bad = await hs.Client.PostAsync(Signatures, new JsonObject { [bot.UserId] = new JsonObject { [bot.DeviceId] = forged } }, bot.Token);
        Assert.Equal("M_INVALID_SIGNATURE", bad.Object["failures"]![bot.UserId]![bot.DeviceId]!["errcode"]!.GetValue<string>());
        var query = (await bot.QueryAsync(new JsonObject { [bot.UserId] = new JsonArray() })).Object;
        Assert.False(query["device_keys"]![bot.UserId]![bot.DeviceId]!["signatures"]![bot.UserId]!.AsObject().ContainsKey(SelfSigningKey.Id));
    }
}

/// <summary><see cref="CrossSigningTests"/> on Synapse 1.67, which asks user-interactive auth for every upload.</summary>
public sealed class CrossSigningTestsOnSynapse167 : CrossSigningTests
{
    protected override Compatibility Profile => Compatibility.Synapse167;

    [Fact]
    public async Task Even_the_first_upload_asks_the_password_as_recorded()
    {
        await using var hs = await StartAsync();
        var bot = await E2eeClient.BotAsync(hs);
        var first = await hs.Client.PostAsync(E2eeClient.V3 + "/keys/device_signing/upload", new JsonObject
        {
            ["master_key"] = new JsonObject { ["user_id"] = bot.UserId, ["usage"] = new JsonArray("master"), ["keys"] = new JsonObject { ["ed25519:abc"] = "x" } },
        }, bot.Token);
        Assert.Equal(401, first.Code);
        Assert.Equal(["session", "flows", "params"], first.Object.Select(p => p.Key));
        Assert.Equal("""[{"stages":["m.login.password"]}]""", first.Object["flows"]!.ToJsonString());
    }
}

/// <summary>What the current profile does that 1.67 does not: the first upload and the same keys again need no auth, and
/// with authentication delegated to MAS a replacement needs MAS's approval (MSC4312).</summary>
[Trait("tier", "integration")]
public sealed class CrossSigningSetupTests
{
    private static JsonObject Master(string userId, string key) =>
        new() { ["master_key"] = new JsonObject { ["user_id"] = userId, ["usage"] = new JsonArray("master"), ["keys"] = new JsonObject { ["ed25519:" + key] = key } } };

    [Fact]
    public async Task The_first_upload_and_the_same_keys_again_need_no_auth()
    {
        await using var hs = await TestHomeserver.StartAsync();
        var bot = await E2eeClient.BotAsync(hs);
        var path = E2eeClient.V3 + "/keys/device_signing/upload";
        var key = Convert.ToBase64String(new byte[32]).TrimEnd('=');
        Assert.Equal(200, (await hs.Client.PostAsync(path, Master(bot.UserId, key), bot.Token)).Code);
        Assert.Equal(200, (await hs.Client.PostAsync(path, Master(bot.UserId, key), bot.Token)).Code);
        var other = Convert.ToBase64String(Enumerable.Repeat((byte)7, 32).ToArray()).TrimEnd('=');
        Assert.Equal(401, (await hs.Client.PostAsync(path, Master(bot.UserId, other), bot.Token)).Code);
    }

    [Fact]
    public async Task On_MAS_a_replacement_needs_an_approval_given_in_the_account_page()
    {
        await using var hs = await TestHomeserver.StartAsync(o => o with { AuthenticationService = TestHomeserver.Mas() });
        var api = await MasApi.ConnectAsync(hs);
        var token = (await api.PersonalSessionAsync(await api.UserIdAsync("bot"), "urn:matrix:client:api:* urn:matrix:client:device:BOTDEV")).Token;
        var path = E2eeClient.V3 + "/keys/device_signing/upload";
        var first = Convert.ToBase64String(new byte[32]).TrimEnd('=');
        var second = Convert.ToBase64String(Enumerable.Repeat((byte)7, 32).ToArray()).TrimEnd('=');
        Assert.Equal(200, (await hs.Client.PostAsync(path, Master(hs.BotId, first), token)).Code);

        var refused = await hs.Client.PostAsync(path, Master(hs.BotId, second), token);
        Assert.Equal(401, refused.Code);
        var url = refused.Object["params"]!["org.matrix.cross_signing_reset"]!["url"]!.GetValue<string>();
        Assert.EndsWith("/account/?action=org.matrix.cross_signing_reset", url, StringComparison.Ordinal);
        Assert.Equal(url, refused.Object["params"]!["m.oauth"]!["url"]!.GetValue<string>());
        Assert.Contains(url, refused.Str("msg"), StringComparison.Ordinal);

        var approve = await hs.Client.PostAsync("/_synapse/admin/v1/users/" + MatrixTestClient.Enc(hs.BotId) + "/_allow_cross_signing_replacement_without_uia", new JsonObject(), await hs.SynapseAdminTokenAsync());
        Assert.Equal(200, approve.Code);
        Assert.True(approve.Object["updatable_without_uia_before_ms"]!.GetValue<long>() > 0);
        Assert.Equal(200, (await hs.Client.PostAsync(path, Master(hs.BotId, second), token)).Code);
        Assert.Equal(401, (await hs.Client.PostAsync(path, Master(hs.BotId, first), token)).Code); // the approval is spent
    }
}
