using System.Collections.Concurrent;
using Solti.Matrix.Identifiers;
using Solti.Matrix.Sending;
using Solti.Matrix.Sessions;

namespace Solti.Matrix;

/// <summary>The client-server API over one self-healing session.</summary>
public partial class MatrixClient : IDisposable
{
    private readonly ConcurrentDictionary<string, string> _aliases = new(StringComparer.Ordinal);
    private readonly MatrixHttpPipeline _http;
    private readonly Encryption.RoomEncryptor _encryptor;
    private readonly CredentialCache? _cache;

    /// <summary>A client of the homeserver in <paramref name="options"/>, over one HTTP pipeline, with the session that
    /// <paramref name="session"/> describes; <paramref name="cache"/>, when given, is where the session finds and keeps its
    /// credentials (see <see cref="SessionOptions.UseCache"/>).</summary>
    public MatrixClient(MatrixClientOptions options, SessionOptions session, CredentialCache? cache = null)
    {
        _http = new MatrixHttpPipeline(options);
        Session = new MatrixSession(_http, session, cache);
        Homeserver = options.Homeserver;
        _encryptor = new Encryption.RoomEncryptor(Session, cache);
        _cache = cache;
    }

    /// <summary>Whether the room is encrypted (its <c>m.room.encryption</c> state, or this device once saw it so).</summary>
    public virtual Task<bool> IsRoomEncryptedAsync(string roomId, CancellationToken cancellationToken = default) =>
        _encryptor.IsEncryptedAsync(roomId, cancellationToken);

    /// <summary>A reader of encrypted rooms for this client's device (<see cref="Encryption.RoomDecryptor"/>; its keys in
    /// the credential cache).</summary>
    public Encryption.RoomDecryptor Decryptor() => new(Session, _cache);

    /// <summary>One event of a room (<c>GET /rooms/{roomId}/event/{eventId}</c>).</summary>
    public virtual async Task<JsonObject> EventAsync(string roomId, string eventId, CancellationToken cancellationToken = default) =>
        (JsonObject)await Session.SendAsync(MatrixRequest.Get(MatrixPath.Build(MatrixPath.Client, "rooms", PathPart.Value(roomId), "event", PathPart.Value(eventId))), cancellationToken);

    /// <summary>The homeserver's base URL (with a trailing slash).</summary>
    public Uri Homeserver { get; }

    /// <summary>The admin API for a second (admin) session over this client's HTTP pipeline; on a homeserver that
    /// delegates authentication to MAS, with MAS's admin API when <paramref name="mas"/> is given.</summary>
    public SynapseAdminClient Admin(SessionOptions adminSession, CredentialCache? cache = null, Mas.MasCredentials? mas = null) =>
        new(new MatrixSession(_http, adminSession, cache)) { MasCredentials = mas };

    /// <summary>The self-healing session every request of this client is sent with.</summary>
    public MatrixSession Session { get; }

    /// <summary>Whether the homeserver signs its users in itself or delegates that to MAS (and MAS's issuer): asked once
    /// for the life of this client, without a token (see <see cref="Discovery.HomeserverAuthentication"/>).</summary>
    public virtual Task<Discovery.HomeserverAuthentication> AuthenticationAsync(CancellationToken cancellationToken = default) =>
        Discovery.HomeserverAuthentication.OfAsync(_http, cancellationToken);

    /// <summary>What the homeserver offers beyond our oldest supported Synapse: its spec versions, unstable features and
    /// whether it delegates authentication to MAS (asked without a token).</summary>
    public virtual Task<Discovery.ServerFeatures> FeaturesAsync(CancellationToken cancellationToken = default) =>
        Discovery.ServerFeatures.OfAsync(_http, cancellationToken);

    /// <summary>Who the session's token belongs to (<c>/account/whoami</c>: <c>user_id</c>,
    /// <c>device_id</c>).</summary>
    public virtual async Task<JsonObject> WhoAmIAsync(CancellationToken cancellationToken = default) =>
        await Session.WhoAmIAsync(cancellationToken);

    /// <summary><c>!id</c> as is; <c>#alias:server</c> through the directory, cached for the life of this client.</summary>
    public virtual async Task<string> ResolveRoomAsync(string roomIdOrAlias, CancellationToken cancellationToken = default)
    {
        if (MatrixId.Require(MatrixIdKind.RoomOrAlias, roomIdOrAlias, "room")[0] == '!')
        {
            return roomIdOrAlias;
        }

        if (_aliases.TryGetValue(roomIdOrAlias, out var cached))
        {
            return cached;
        }

        var reply = await Session.SendAsync(MatrixRequest.Get(MatrixPath.Build(MatrixPath.Client, "directory", "room", PathPart.Value(roomIdOrAlias))), cancellationToken);
        var roomId = reply["room_id"]?.GetValue<string>() ?? throw new MatrixException(200, MatrixErrorCodes.BadResponse, "alias lookup answered without room_id");
        _aliases[roomIdOrAlias] = roomId;
        return roomId;
    }

    /// <summary>Joins the room by id or alias; returns the room's id.</summary>
    public virtual async Task<string> JoinAsync(string roomIdOrAlias, CancellationToken cancellationToken = default)
    {
        var reply = await Session.SendAsync(MatrixRequest.Post(MatrixPath.Build(MatrixPath.Client, "join", PathPart.Value(roomIdOrAlias)), null), cancellationToken);
        return reply["room_id"]?.GetValue<string>() ?? throw new MatrixException(200, MatrixErrorCodes.BadResponse, "join answered without room_id");
    }

    /// <summary>Sends one event with a transaction id that stays the same across every retry and re-login, encrypted
    /// exactly when the room is (<see cref="Encryption.EncryptionMode.Auto"/>).</summary>
    public virtual Task<SendResult> SendEventAsync(string roomIdOrAlias, string eventType, JsonObject content, string? transactionId = null, bool joinIfNeeded = false, CancellationToken cancellationToken = default) =>
        SendEventAsync(roomIdOrAlias, eventType, content, transactionId, joinIfNeeded, Encryption.EncryptionMode.Auto, cancellationToken);

    /// <summary>Sends one event with a transaction id that stays the same across every retry and re-login: the one
    /// builder of <c>PUT /send</c>, where an event for an encrypted room becomes <c>m.room.encrypted</c>
    /// (<see cref="Encryption.RoomEncryptor"/>; never plaintext into an encrypted room). With
    /// <paramref name="joinIfNeeded"/>, a 403 from a room we are not in joins it once and goes on.</summary>
    public virtual async Task<SendResult> SendEventAsync(string roomIdOrAlias, string eventType, JsonObject content, string? transactionId, bool joinIfNeeded, Encryption.EncryptionMode encryption, CancellationToken cancellationToken = default)
    {
        using var call = _http.BeginCall(); // one budget for the whole send: its reads, keys, join, heal and PUT
        var txnId = string.IsNullOrEmpty(transactionId) ? TransactionIds.New() : transactionId;
        var roomId = await ResolveRoomAsync(roomIdOrAlias, cancellationToken);
        var joined = false;
        Encryption.PreparedEvent prepared;
        try
        {
            prepared = await _encryptor.PrepareAsync(roomId, eventType, content, encryption, cancellationToken);
        }
        catch (MatrixException e) when (joinIfNeeded && IsNotInRoom(e))
        {
            await JoinAsync(roomIdOrAlias, cancellationToken);
            joined = true;
            prepared = await _encryptor.PrepareAsync(roomId, eventType, content, encryption, cancellationToken);
        }

        var request = SendRequest(roomId, prepared, txnId);
        JsonNode reply;
        try
        {
            reply = await Session.SendMessageAsync(request, cancellationToken);
        }
        catch (MatrixException e) when (joinIfNeeded && !joined && IsNotInRoom(e))
        {
            await JoinAsync(roomIdOrAlias, cancellationToken);
            reply = await Session.SendMessageAsync(request, cancellationToken);
        }

        return Sent(reply, roomId, txnId, eventType, prepared);
    }

    /// <summary>Makes the bot's cross-signing identity from this device, its private keys in secret storage under a new
    /// recovery key, returned once (<see cref="Encryption.BotIdentity"/>); <paramref name="reset"/> replaces one it has.</summary>
    public async Task<Encryption.IdentityBootstrap> BootstrapIdentityAsync(bool reset, CancellationToken cancellationToken = default)
    {
        using var call = _http.BeginCall();
        return await _encryptor.BootstrapIdentityAsync(reset, cancellationToken);
    }

    /// <summary>Rotates the recovery key of the bot's identity: the secrets read with <see cref="MatrixClientOptions.RecoveryKey"/>
    /// and stored again under a new key, returned once; the identity and its signatures stay
    /// (<see cref="Encryption.RoomEncryptor.RotateRecoveryKeyAsync"/>).</summary>
    public async Task<Encryption.RecoveryKeyRotation> RotateRecoveryKeyAsync(CancellationToken cancellationToken = default)
    {
        using var call = _http.BeginCall();
        return await _encryptor.RotateRecoveryKeyAsync(cancellationToken);
    }

    /// <summary>This device's encryption state (<see cref="Encryption.DeviceCryptoStatus"/>): public keys and counts only.</summary>
    public async Task<Encryption.DeviceCryptoStatus> CryptoStatusAsync(CancellationToken cancellationToken = default)
    {
        using var call = _http.BeginCall();
        return await _encryptor.StatusAsync(cancellationToken);
    }

    /// <summary>Starts this host's device over: the next device of its series with new keys, the old device deleted on
    /// the server (with the password) and its crypto store removed (<see cref="Encryption.RoomEncryptor.ResetDeviceAsync"/>).</summary>
    public async Task<(string OldDeviceId, Encryption.DeviceCryptoStatus Now)> ResetDeviceAsync(CancellationToken cancellationToken = default)
    {
        using var call = _http.BeginCall();
        return await _encryptor.ResetDeviceAsync(cancellationToken);
    }

    /// <summary>Events going into one room at the same moment (an outbox lane's backlog), prepared together: one read of
    /// the room, its members and their devices, one key share, each its own Megolm index (<see
    /// cref="Encryption.RoomEncryptor.PrepareManyAsync"/>). Answers the first events in order, at least one.</summary>
    public virtual Task<IReadOnlyList<Encryption.PreparedEvent>> PrepareEventsAsync(string roomId, IReadOnlyList<Encryption.OutgoingEvent> events, CancellationToken cancellationToken = default) =>
        _encryptor.PrepareManyAsync(roomId, events, cancellationToken);

    /// <summary>Sends an event <see cref="PrepareEventsAsync"/> prepared, with its transaction id (the same across every
    /// retry and re-login).</summary>
    public virtual async Task<SendResult> SendPreparedAsync(string roomId, string eventType, Encryption.PreparedEvent prepared, string transactionId, CancellationToken cancellationToken = default)
    {
        using var call = _http.BeginCall();
        return Sent(await Session.SendMessageAsync(SendRequest(roomId, prepared, transactionId), cancellationToken), roomId, transactionId, eventType, prepared);
    }

    private static MatrixRequest SendRequest(string roomId, Encryption.PreparedEvent prepared, string txnId) =>
        MatrixRequest.Put(MatrixPath.Build(MatrixPath.Client, "rooms", PathPart.Value(roomId), "send", PathPart.Value(prepared.Type), PathPart.Value(txnId)), prepared.Content);

    private SendResult Sent(JsonNode reply, string roomId, string txnId, string eventType, Encryption.PreparedEvent prepared)
    {
        var eventId = reply["event_id"]?.GetValue<string>() ?? throw new MatrixException(200, MatrixErrorCodes.BadResponse, "send answered without event_id");
        return new SendResult(eventId, roomId, txnId, eventType, Session.Reauthenticated) { Encrypted = prepared.Encrypted, WithheldDevices = prepared.WithheldDevices };
    }

    private static bool IsNotInRoom(MatrixException e) => e.Status == 403 && e.Errcode == MatrixErrorCodes.Forbidden;

    /// <summary><c>joined_members</c>: user id → profile.</summary>
    public virtual async Task<JsonObject> JoinedMembersAsync(string roomId, CancellationToken cancellationToken = default) =>
        (await Session.SendAsync(MatrixRequest.Get(MatrixPath.Build(MatrixPath.Client, "rooms", PathPart.Value(roomId), "joined_members")), cancellationToken))["joined"] as JsonObject ?? [];

    /// <summary>The rooms the session's user has joined (<c>/joined_rooms</c>).</summary>
    public virtual async Task<IReadOnlyList<string>> JoinedRoomsAsync(CancellationToken cancellationToken = default) =>
        [.. ((await Session.SendAsync(MatrixRequest.Get(MatrixPath.Client + "/joined_rooms"), cancellationToken))["joined_rooms"] as JsonArray ?? [])
            .Select(r => r?.GetValue<string>()).OfType<string>()];

    /// <summary>One page of <c>/messages</c>.</summary>
    public virtual async Task<JsonObject> MessagesAsync(string roomId, string direction = "b", int limit = 10, string? from = null, CancellationToken cancellationToken = default)
    {
        var path = MatrixPath.Build(MatrixPath.Client, "rooms", PathPart.Value(roomId), "messages")
            + $"?dir={direction}&limit={limit}" + (from is null ? "" : "&from=" + MatrixPath.Segment(from));
        return (JsonObject)await Session.SendAsync(MatrixRequest.Get(path), cancellationToken);
    }

    /// <summary>Logs this device out (the server deletes the device and its token).</summary>
    public virtual async Task LogoutAsync(CancellationToken cancellationToken = default) =>
        await Session.SendAsync(MatrixRequest.Post(MatrixPath.Client + "/logout", null), cancellationToken);

    /// <summary>Removes this user's session from the credential cache (after a logout).</summary>
    public void ForgetCachedSession() => Session.ForgetCached();

    /// <summary>Closes the client's HTTP connections.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Closes the HTTP connections when <paramref name="disposing"/>; a subclass that holds more releases it
    /// here.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _http.Dispose();
        }
    }
}
