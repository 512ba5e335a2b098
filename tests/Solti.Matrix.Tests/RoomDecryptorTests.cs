using System.Text.Json.Nodes;
using Solti.Matrix.Crypto;
using Solti.Matrix.Encryption;
using Solti.Matrix.Events;
using Solti.Matrix.Sessions;

namespace Solti.Matrix.Tests;

/// <summary>The checks on a Megolm room event before it is shown decrypted (<see cref="RoomDecryptor"/>): the key kept for
/// its room, session and sender key; an index already used by another event, a plaintext of another room, a session of
/// another user refused; a withheld key reported with its code; a key that starts after the event's index is
/// <c>unknown_index</c>; an old follow position (no <c>pending</c>) still reads.</summary>
[Trait("tier", "unit")]
public sealed class RoomDecryptorTests : IDisposable
{
    private const string Room = "!ops:example.org";
    private const string Alice = "@alice:example.org";
    private const string AliceKey = "aliceCurve25519";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "solti-decrypttest-" + Guid.NewGuid().ToString("N"));
    private readonly MegolmOutboundSession _session;
    private readonly string _keyAtZero;

    public RoomDecryptorTests()
    {
        _session = MegolmOutboundSession.Create();
        _keyAtZero = _session.SessionKey(); // the key as shared before the first message
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private Task<CryptoStore> OpenAsync() =>
        CryptoStore.OpenAsync(new CredentialCache(Path.Combine(_root, "solti-matrix")), new Uri("https://matrix.example.org/"), "@bot:example.org", "BOT", TimeSpan.FromSeconds(5), CancellationToken.None);

    private void KeepKey(CryptoStore store, string sender = Alice)
    {
        var inbound = MegolmInboundSession.FromSessionKey(_keyAtZero);
        store.SaveInboundGroupSession(new InboundGroupRecord(Room, _session.SessionId, AliceKey, "aliceEd25519", sender, inbound.ToJson().ToJsonString(), inbound.FirstKnownIndex));
    }

    /// <summary>An event as the server gives it: alice's message encrypted for <paramref name="plaintextRoom"/>.</summary>
    private JsonObject Event(string eventId, string body, string plaintextRoom = Room, string sender = Alice) => new()
    {
        ["event_id"] = eventId,
        ["sender"] = sender,
        ["type"] = "m.room.encrypted",
        ["origin_server_ts"] = 1,
        ["content"] = EncryptedContent.Room(AliceKey, "ALICEJS", _session.SessionId, _session.Encrypt(EncryptedContent.MegolmPlaintext(plaintextRoom, "m.room.message", new JsonObject { ["body"] = body }))),
    };

    [Fact]
    public async Task An_event_decrypts_to_its_plaintext_once_its_key_is_kept_and_again_under_the_same_id()
    {
        using var store = await OpenAsync();
        var e = Event("$1", "deploy done");
        e["content"]!["m.relates_to"] = new JsonObject { ["rel_type"] = "m.thread", ["event_id"] = "$root" };
        Assert.Equal(UndecryptableReason.NoKey, RoomDecryptor.Decrypt(store, Room, e).Read.Undecryptable);

        KeepKey(store);
        var (read, key) = RoomDecryptor.Decrypt(store, Room, e);
        var again = RoomDecryptor.Decrypt(store, Room, e).Read;

        Assert.Equal(("m.room.message", "deploy done", "m.thread", true), (read.Event["type"]!.GetValue<string>(), read.Event["content"]!["body"]!.GetValue<string>(), read.Event["content"]!["m.relates_to"]!["rel_type"]!.GetValue<string>(), read.Encrypted));
        Assert.Equal(Alice, key!.SenderUser);
        Assert.Null(again.Undecryptable); // the same event read again (a restart, a pending retry) is no replay
    }

    [Fact]
    public async Task A_replayed_index_another_room_and_another_sender_are_refused()
    {
        using var store = await OpenAsync();
        KeepKey(store);
        var first = Event("$1", "first");
        var replay = first.DeepClone().AsObject();
        replay["event_id"] = "$2";

        Assert.Null(RoomDecryptor.Decrypt(store, Room, first).Read.Undecryptable);
        Assert.Equal(UndecryptableReason.Replayed, RoomDecryptor.Decrypt(store, Room, replay).Read.Undecryptable);
        Assert.Equal(UndecryptableReason.WrongRoom, RoomDecryptor.Decrypt(store, Room, Event("$3", "elsewhere", plaintextRoom: "!other:example.org")).Read.Undecryptable);
        Assert.Equal(UndecryptableReason.WrongSender, RoomDecryptor.Decrypt(store, Room, Event("$4", "mallory", sender: "@mallory:example.org")).Read.Undecryptable);
        var tampered = Event("$5", "tampered");
        tampered["content"]!["ciphertext"] = "AwgAEhA" + tampered["content"]!["ciphertext"]!.GetValue<string>()[7..];
        Assert.Equal(UndecryptableReason.BadCiphertext, RoomDecryptor.Decrypt(store, Room, tampered).Read.Undecryptable);
    }

    [Fact]
    public async Task A_withheld_key_is_reported_with_its_code_a_key_from_after_the_event_says_unknown_index_and_one_from_before_decrypts()
    {
        using var store = await OpenAsync();
        var e = Event("$1", "held back");
        store.SaveWithheld(new WithheldRecord(Room, _session.SessionId, AliceKey, "m.unverified", "not verified"));

        var withheld = RoomDecryptor.Decrypt(store, Room, e).Read;

        Assert.Equal((UndecryptableReason.Withheld, "m.unverified"), (withheld.Undecryptable, withheld.WithheldCode));
        var inbound = MegolmInboundSession.FromSessionKey(_session.SessionKey());
        store.SaveInboundGroupSession(new InboundGroupRecord(Room, _session.SessionId, AliceKey, "ed", Alice, inbound.ToJson().ToJsonString(), inbound.FirstKnownIndex));
        Assert.Equal(1, store.InboundGroupSession(Room, _session.SessionId, AliceKey)!.FirstIndex);
        Assert.Equal(UndecryptableReason.UnknownIndex, RoomDecryptor.Decrypt(store, Room, e).Read.Undecryptable); // index 0, the key starts at 1
        KeepKey(store); // the key from index 0
        Assert.Equal((0L, "held back"), (store.InboundGroupSession(Room, _session.SessionId, AliceKey)!.FirstIndex, RoomDecryptor.Decrypt(store, Room, e).Read.Event["content"]!["body"]!.GetValue<string>()));
    }

    [Fact]
    public void A_follow_position_written_before_pending_existed_reads_with_none()
    {
        Directory.CreateDirectory(_root);
        var path = Path.Combine(_root, "old.json");
        File.WriteAllText(path, """{"room_id":"!ops:example.org","from":"t1","after":"$9"}""");

        var position = FollowPosition.Load(path, Room)!;
        (position with { Pending = ["$late"] }).Save(path);

        Assert.Equal(("t1", "$9", (IReadOnlyList<string>?)null), (position.From, position.After, position.Pending));
        Assert.Equal(["$late"], FollowPosition.Load(path, Room)!.Pending!);
    }
}
