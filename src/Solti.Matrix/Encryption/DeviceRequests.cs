using Solti.Matrix.Crypto;
using Solti.Matrix.Sessions;

namespace Solti.Matrix.Encryption;

/// <summary>The requests both sides of encryption make (<see cref="RoomEncryptor"/> sending, <see cref="DeviceInbox"/>
/// and <see cref="RoomDecryptor"/> reading), in one place: who the session is, the devices' keys (<c>/keys/query</c>),
/// new Olm sessions from claimed one-time keys (<c>/keys/claim</c>, each key's signature checked) and to-device sends.</summary>
internal static class DeviceRequests
{
    /// <summary>Who the session's token is and its device: known without asking (the session's, or the credential
    /// cache's record of its token), else <c>whoami</c>; a part the server does not say is null.</summary>
    public static async Task<(string? UserId, string? DeviceId)> KnownIdentityAsync(MatrixSession session, CancellationToken cancellationToken)
    {
        if (session.Identity() is ({ } user, { } device))
        {
            return (user, device);
        }

        var whoami = await session.WhoAmIAsync(cancellationToken);
        return (whoami["user_id"]?.GetValue<string>(), whoami["device_id"]?.GetValue<string>());
    }

    /// <summary>Who the session is, for a device's crypto: <see cref="EncryptionException"/> when the token has no device.</summary>
    public static async Task<(string UserId, string DeviceId)> DeviceIdentityAsync(MatrixSession session, CancellationToken cancellationToken)
    {
        var (knownUser, knownDevice) = await KnownIdentityAsync(session, cancellationToken);
        var userId = knownUser ?? throw new EncryptionException("whoami answered without user_id");
        var deviceId = knownDevice ?? throw new EncryptionException("this token has no device (a token minted without one): end-to-end encryption needs a device with its own keys; use a token bound to a device, or a password login");
        return (userId, deviceId);
    }

    /// <summary>The device keys of every device of <paramref name="users"/> (<c>/keys/query</c>): user id → device id →
    /// keys; with <paramref name="whole"/>, the whole answer (<c>master_keys</c>, <c>self_signing_keys</c> too).</summary>
    public static async Task<JsonObject> QueryKeysAsync(MatrixSession session, IEnumerable<string> users, CancellationToken cancellationToken, bool whole = false)
    {
        var query = new JsonObject { ["device_keys"] = new JsonObject(users.Distinct(StringComparer.Ordinal).Select(u => KeyValuePair.Create(u, (JsonNode?)new JsonArray()))) };
        var reply = await session.SendAsync(MatrixRequest.Post(MatrixPath.Client + "/keys/query", query), cancellationToken);
        return whole ? reply as JsonObject ?? [] : reply["device_keys"] as JsonObject ?? [];
    }

    /// <summary>A new Olm session with each device, from a one-time key claimed from it whose signature checks; the
    /// devices refused one, with the withheld code and why (<c>m.no_olm</c>: no key left; <c>m.unverified</c>: a key
    /// that does not verify).</summary>
    public static async Task<(List<(DeviceIdentity Identity, OlmSession Session)> Sessions, List<(DeviceIdentity Identity, WithheldCode Code, string Why)> Refused)> NewSessionsAsync(
        MatrixSession session, OlmAccount account, IReadOnlyCollection<DeviceIdentity> devices, CancellationToken cancellationToken)
    {
        var sessions = new List<(DeviceIdentity, OlmSession)>();
        var refused = new List<(DeviceIdentity, WithheldCode, string)>();
        if (devices.Count == 0)
        {
            return (sessions, refused);
        }

        var body = new JsonObject();
        foreach (var identity in devices)
        {
            Add(body, identity.UserId, identity.DeviceId, Algorithms.SignedCurve25519);
        }

        var claimed = await session.SendAsync(MatrixRequest.Post(MatrixPath.Client + "/keys/claim", new JsonObject { ["one_time_keys"] = body }), cancellationToken);
        foreach (var identity in devices)
        {
            var keys = claimed["one_time_keys"]?[identity.UserId]?[identity.DeviceId] as JsonObject;
            if (keys?.FirstOrDefault(k => k.Key.StartsWith(Algorithms.SignedCurve25519 + ":", StringComparison.Ordinal)).Value is not JsonObject key)
            {
                refused.Add((identity, WithheldCode.NoOlm, "it has no one-time key left to start an Olm session"));
                continue;
            }

            try
            {
                var oneTimeKey = DeviceKeys.VerifyOneTimeKey(key, identity.UserId, identity.DeviceId, identity.Ed25519Key);
                sessions.Add((identity, account.CreateOutboundSession(identity.Curve25519Key, oneTimeKey)));
            }
            catch (CryptoException e)
            {
                refused.Add((identity, WithheldCode.Unverified, "its one-time key does not verify: " + e.Message));
            }
        }

        return (sessions, refused);
    }

    /// <summary><c>PUT /sendToDevice/{type}/{txnId}</c> with a new transaction id.</summary>
    public static Task<JsonNode> SendToDeviceAsync(MatrixSession session, string type, JsonObject messages, CancellationToken cancellationToken) =>
        session.SendAsync(MatrixRequest.Put(MatrixPath.Build(MatrixPath.Client, "sendToDevice", PathPart.Value(type), PathPart.Value(Sending.TransactionIds.New())), new JsonObject { ["messages"] = messages }), cancellationToken);

    /// <summary>Adds <paramref name="value"/> under user id → device id.</summary>
    public static void Add(JsonObject map, string userId, string deviceId, JsonNode value)
    {
        if (map[userId] is not JsonObject devices)
        {
            map[userId] = devices = [];
        }

        devices[deviceId] = value;
    }
}
