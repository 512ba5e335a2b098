using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Testing;
using Xunit.Abstractions;

namespace Solti.Matrix.Tests;

/// <summary>The independent client (tests/peer: matrix-js-sdk with its Rust crypto, <see cref="JsPeer"/>) against our
/// homeserver. It is the judge of the Megolm events our bot will send, so these tests first show that the judge itself
/// works through our homeserver: it starts, loads its wasm crypto, logs in, uploads and finds its device keys, two of
/// them exchange a Megolm message and agree on who sent it, one that lacks the room key says so, every command answers
/// within its bound, and js-sdk calls nothing the homeserver does not serve (its unserved-request log, allow-list in
/// docs/homeserver-testing-api.md). docs/encryption.md, "The independent client".</summary>
[Trait("tier", "integration")]
public sealed class JsPeerTests(ITestOutputHelper output)
{
    private const string AlicePassword = "alice-pass";
    private const string BobPassword = "bob-pass";
    private const string CarolPassword = "carol-pass";

    /// <summary>What a real client may ask that Synapse in this setup refuses too (method, template): the allow-list of
    /// docs/homeserver-testing-api.md.</summary>
    private static readonly HashSet<(string Method, string Template)> MayBeUnserved =
    [
        ("GET", "/_matrix/client/v1/auth_metadata"),
        ("GET", "/_matrix/client/unstable/org.matrix.msc2965/auth_metadata"),
        ("GET", "/_matrix/client/unstable/org.matrix.msc2965/auth_issuer"),
        ("GET", "/.well-known/matrix/client"),
        ("GET", "/_matrix/client/v1/media/config"),
        ("GET", "/_matrix/media/v3/config"),
        ("GET", "/_matrix/client/unstable/org.matrix.msc4143/rtc/transports"),
    ];

    private static Task<TestHomeserver> StartAsync(bool synapse167 = false) => TestHomeserver.StartAsync(o => o with
    {
        SeedUsers = [.. o.SeedUsers, new SeedUser("alice", AlicePassword, false), new SeedUser("bob", BobPassword, false), new SeedUser("carol", CarolPassword, false)],
        Compatibility = synapse167 ? Compatibility.Synapse167 : o.Compatibility,
    });

    [Fact]
    public async Task The_peer_loads_its_wasm_crypto_logs_in_to_our_homeserver_and_finds_its_own_device_keys_there()
    {
        await using var hs = await StartAsync();
        await using var alice = await JsPeer.StartAsync("alice");
        Assert.Equal("43.0.0", JsPeer.Str(alice.Ready, "js_sdk"));
        Assert.Equal("18.9.0", JsPeer.Str(alice.Ready, "crypto_wasm"));

        var login = await alice.LoginAsync(hs.Server.BaseAddress, "alice", AlicePassword, "JSPEER1", waitSync: true);

        Assert.Equal(("@alice:localhost", "JSPEER1"), (login.UserId, login.DeviceId));
        Assert.Contains("Vodozemac", login.CryptoVersion, StringComparison.Ordinal);
        // Curve25519 and Ed25519 public keys: 32 bytes each, unpadded base64 as Matrix writes them.
        Assert.Equal(32, Unpadded(login.Curve25519).Length);
        Assert.Equal(32, Unpadded(login.Ed25519).Length);
        Assert.NotEqual(login.Curve25519, login.Ed25519);

        // The keys went up (/keys/upload) and come back (/keys/query) as the device's own, which it trusts.
        var own = await alice.DeviceInfoAsync(login.UserId);
        var device = Assert.Single(own["devices"]!.AsArray())!;
        Assert.Equal(("JSPEER1", login.Curve25519, login.Ed25519), (JsPeer.Str(device, "device_id"), JsPeer.Str(device, "curve25519"), JsPeer.Str(device, "ed25519")));
        Assert.True(device["verification"]!["is_verified"]!.GetValue<bool>());

        // The homeserver lists the device the peer logged in with.
        var admin = await hs.LoginAdminAsync();
        var devices = await hs.Client.GetAsync("/_synapse/admin/v2/users/" + MatrixTestClient.Enc(login.UserId) + "/devices", admin.AccessToken);
        Assert.Contains(devices.Object["devices"]!.AsArray(), d => JsPeer.Str(d, "device_id") == "JSPEER1");

        var requests = await alice.RequestsAsync();
        Assert.Contains(requests, r => r is { Method: "POST", Path: "/_matrix/client/v3/keys/upload", Status: 200 });
        await AssertAllServedAsync(hs, alice);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Two_js_sdk_peers_exchange_a_megolm_message_through_our_homeserver_and_agree_on_the_sender(bool synapse167)
    {
        await using var hs = await StartAsync(synapse167);
        await using var alice = await JsPeer.StartAsync("alice");
        await using var bob = await JsPeer.StartAsync("bob");
        var a = await alice.LoginAsync(hs.Server.BaseAddress, "alice", AlicePassword, "ALICEJS", waitSync: true);
        var b = await bob.LoginAsync(hs.Server.BaseAddress, "bob", BobPassword, "BOBJS", autoJoin: true, waitSync: true);

        var roomId = await alice.CreateRoomAsync(encrypted: true, invite: [b.UserId], name: "judge");
        await bob.WaitRoomAsync(roomId, "join");
        await alice.WaitRoomAsync(roomId, "join");
        var eventId = await alice.SendTextAsync(roomId, "hello from js-sdk");

        var message = Assert.Single(await bob.WaitMessagesAsync(roomId, sender: a.UserId));
        Assert.Equal(eventId, message.EventId);
        Assert.True(message.Encrypted);
        Assert.Equal(("m.room.encrypted", "m.room.message"), (message.WireType, message.Type));
        Assert.Equal("m.megolm.v1.aes-sha2", message.Algorithm);
        Assert.Null(message.DecryptionError);
        Assert.Equal("hello from js-sdk", message.Body);
        // Bob's crypto attributes the room key to Alice's device and keys, as she reported them herself.
        Assert.Equal(a.Curve25519, message.SenderKey);
        Assert.Equal(a.Ed25519, message.ClaimedEd25519Key);
        Assert.Equal(a.DeviceId, message.SenderDevice);
        Assert.Equal(a.UserId, message.KeySender);

        // Bob sees Alice's device with the same keys through /keys/query, unverified (nobody verified it).
        var seen = await bob.DeviceInfoAsync(a.UserId);
        var device = Assert.Single(seen["devices"]!.AsArray())!;
        Assert.Equal(a.DeviceId, JsPeer.Str(device, "device_id"));
        Assert.Equal(a.Curve25519, JsPeer.Str(device, "curve25519"));
        Assert.Equal(a.Ed25519, JsPeer.Str(device, "ed25519"));
        Assert.False(device["verification"]!["is_verified"]!.GetValue<bool>());

        // And back: Alice decrypts Bob's answer.
        await bob.SendTextAsync(roomId, "hello alice");
        var answer = Assert.Single(await alice.WaitMessagesAsync(roomId, sender: b.UserId));
        Assert.Equal(("hello alice", b.DeviceId, b.Curve25519), (answer.Body, answer.SenderDevice, answer.SenderKey));

        await AssertAllServedAsync(hs, alice, bob);
    }

    [Fact]
    public async Task A_peer_that_joined_after_a_message_reports_no_room_key_for_it()
    {
        await using var hs = await StartAsync();
        await using var alice = await JsPeer.StartAsync("alice");
        await using var carol = await JsPeer.StartAsync("carol");
        var a = await alice.LoginAsync(hs.Server.BaseAddress, "alice", AlicePassword, "ALICEJS", waitSync: true);
        var c = await carol.LoginAsync(hs.Server.BaseAddress, "carol", CarolPassword, "CAROLJS", waitSync: true);

        var roomId = await alice.CreateRoomAsync(encrypted: true, name: "before carol");
        await alice.SendTextAsync(roomId, "carol never gets this key");
        await alice.InviteAsync(roomId, c.UserId);
        await carol.WaitRoomAsync(roomId, "invite");
        await carol.JoinAsync(roomId);

        var early = Assert.Single(await carol.WaitMessagesAsync(roomId, settled: true));
        Assert.True(early.Encrypted);
        Assert.Equal("MEGOLM_UNKNOWN_INBOUND_SESSION_ID", early.DecryptionError);
        Assert.Null(early.Content);

        // What Alice sends once Carol is in the room goes out under a key Carol is given.
        await alice.SendTextAsync(roomId, "welcome carol");
        var both = await carol.WaitMessagesAsync(roomId, count: 1);
        Assert.Equal(2, both.Count);
        var welcome = Assert.Single(both, m => m.DecryptionError is null);
        Assert.Equal(("welcome carol", a.DeviceId), (welcome.Body, welcome.SenderDevice));
        Assert.NotEqual(early.SessionId, welcome.SessionId);

        await AssertAllServedAsync(hs, alice, carol);
    }

    [Fact]
    public async Task The_peer_answers_every_command_within_its_bound_and_says_why_it_failed()
    {
        await using var hs = await StartAsync();
        await using var bob = await JsPeer.StartAsync("bob");

        var before = await Assert.ThrowsAsync<JsPeerException>(() => bob.StatusAsync());
        Assert.Contains("not logged in", before.Message, StringComparison.Ordinal);

        var unknown = await Assert.ThrowsAsync<JsPeerException>(() => bob.SendAsync("no_such_command"));
        Assert.Contains("unknown command", unknown.Message, StringComparison.Ordinal);

        var wrong = await Assert.ThrowsAsync<JsPeerException>(() => bob.LoginAsync(hs.Server.BaseAddress, "bob", "not-the-password"));
        Assert.Equal(403, wrong.Answer!["status"]!.GetValue<int>());
        Assert.Equal("M_FORBIDDEN", JsPeer.Str(wrong.Answer, "errcode"));

        await bob.LoginAsync(hs.Server.BaseAddress, "bob", BobPassword, "JSPEER2");

        // A wait that cannot be met ends at its bound with what the peer had, not later and not silently.
        var started = DateTime.UtcNow;
        var wait = await Assert.ThrowsAsync<JsPeerException>(() => bob.WaitMessagesAsync("!nowhere:localhost", timeout: TimeSpan.FromSeconds(2)));
        Assert.Contains("fewer than 1 decrypted messages", wait.Message, StringComparison.Ordinal);
        Assert.Empty(wait.Answer!["messages"]!.AsArray());
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(30));
        Assert.NotNull(wait.Answer["failed_requests"]);
    }

    /// <summary>js-sdk asked nothing the homeserver does not serve, beyond <see cref="MayBeUnserved"/>; every request a
    /// peer made and its status is written to the test output either way.</summary>
    private async Task AssertAllServedAsync(TestHomeserver hs, params JsPeer[] peers)
    {
        foreach (var peer in peers)
        {
            foreach (var request in await peer.RequestsAsync())
            {
                output.WriteLine($"{peer.Name}: {request}");
            }
        }

        var admin = await hs.LoginAdminAsync();
        var log = await hs.Client.GetAsync("/_solti/testing/v1/unserved", admin.AccessToken);
        Assert.Equal(200, log.Code);
        var unserved = log.Object["requests"]!.AsArray()
            .Select(r => (Method: JsPeer.Str(r, "method")!, Template: JsPeer.Str(r, "template")!, Status: r!["status"]!.GetValue<int>()))
            .Where(r => !MayBeUnserved.Contains((r.Method, r.Template)))
            .ToList();
        Assert.True(unserved.Count == 0, "js-sdk asked what the homeserver does not serve: " + string.Join(", ", unserved.Select(r => $"{r.Method} {r.Template} ({r.Status})")));
    }

    private static byte[] Unpadded(string base64) => Convert.FromBase64String(base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '='));
}
