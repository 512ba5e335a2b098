using System.Text;

namespace Solti.Matrix.Homeserver.E2ee;

/// <summary>Cross-signing as Synapse keeps it (<c>synapse/handlers/e2e_keys.py</c>): each user's master, self-signing and
/// user-signing keys (<c>/keys/device_signing/upload</c>, each checked: its owner, its usage, one key, and the master's
/// signature on the other two), and the signatures uploaded later (<c>/keys/signatures/upload</c>: a device signed by its
/// owner's self-signing key, the master key signed by one of the owner's devices, another user's master key signed by
/// the user-signing key), each checked against the stored copy of what it signs and merged into <c>/keys/query</c>.
/// Who must authenticate to upload is <see cref="RequireAuthToUpload"/>.</summary>
public static class CrossSigning
{
    public const string Master = "master";
    public const string SelfSigning = "self_signing";
    public const string UserSigning = "user_signing";

    /// <summary>Synapse's <c>REPLACEMENT_PERIOD_MS</c>: how long MAS's approval lets the master key be replaced.</summary>
    private const long ReplacementPeriodMs = 10 * 60 * 1000;

    /// <summary><c>POST /keys/device_signing/upload</c> → <c>{}</c>.</summary>
    public static JsonObject Upload(RequestScope scope)
    {
        var state = scope.State;
        var userId = scope.Requester.UserId;
        var body = scope.Body;
        RequireAuthToUpload(scope);
        var stored = state.Data.CrossSigning.GetValueOrDefault(userId);
        var master = body["master_key"] as JsonObject ?? stored?.Master ?? throw new HomeserverErrorException(400, "M_MISSING_PARAM", "No master key available");
        Check(master, userId, Master, null, "Invalid master key");
        var masterKey = SigningKey(master) ?? throw Errors.InvalidParam("Invalid master key");
        var selfSigning = Optional(body, "self_signing_key");
        var userSigning = Optional(body, "user_signing_key");
        if (selfSigning is not null)
        {
            Check(selfSigning, userId, SelfSigning, masterKey, "Invalid self_signing key");
        }

        if (userSigning is not null)
        {
            Check(userSigning, userId, UserSigning, masterKey, "Invalid user_signing key");
        }

        var record = state.Data.CrossSigning.TryGetValue(userId, out var existing) ? existing : state.Data.CrossSigning[userId] = new CrossSigningRecord();
        if (body["master_key"] is JsonObject)
        {
            record.Master = (JsonObject)master.DeepClone();
            record.ReplaceWithoutAuthBeforeMs = null; // as Synapse: the approval is spent once the key is replaced
        }

        record.SelfSigning = (JsonObject?)selfSigning?.DeepClone() ?? record.SelfSigning;
        record.UserSigning = (JsonObject?)userSigning?.DeepClone() ?? record.UserSigning;
        if (body["master_key"] is JsonObject || selfSigning is not null || userSigning is not null)
        {
            DeviceLists.Changed(state, userId);
        }

        return [];
    }

    /// <summary>Synapse 1.67 asks user-interactive auth for every upload (<c>can_skip_ui_auth</c> with the default session
    /// timeout of 0 never skips). Since 1.110 (PR #17284, MSC3967) the same keys again answer at once and a first
    /// upload needs no auth; replacing keys asks the password, or, when authentication is delegated to MAS, an approval
    /// given in MAS's account page (MSC4312: 401 with the <c>m.oauth</c> and <c>org.matrix.cross_signing_reset</c> stages and
    /// the page's address), which MAS records through <see cref="AllowReplacement"/>.</summary>
    private static void RequireAuthToUpload(RequestScope scope)
    {
        var state = scope.State;
        if (!state.Options.Compatibility.CrossSigningSetupWithoutAuth)
        {
            InteractiveAuth.RequirePassword(scope, scope.Body);
            return;
        }

        var stored = state.Data.CrossSigning.GetValueOrDefault(scope.Requester.UserId);
        if (stored?.Master is null || !Differs(stored, scope.Body))
        {
            return;
        }

        if (state.Options.AuthenticationService is not { } mas)
        {
            InteractiveAuth.RequirePassword(scope, scope.Body);
        }
        else if (!(stored.ReplaceWithoutAuthBeforeMs > state.NowMs))
        {
            var url = new Uri(mas.IssuerFor(scope.Context.Request), "account/") + "?action=org.matrix.cross_signing_reset";
            var stage = new JsonObject { ["url"] = url };
            throw new HomeserverErrorException(401, "", "", null)
            {
                Body = new JsonObject
                {
                    ["session"] = "dummy",
                    ["flows"] = new JsonArray(new JsonObject { ["stages"] = new JsonArray("m.oauth") }, new JsonObject { ["stages"] = new JsonArray("org.matrix.cross_signing_reset") }),
                    ["params"] = new JsonObject { ["m.oauth"] = stage, ["org.matrix.cross_signing_reset"] = stage.DeepClone() },
                    ["msg"] = $"To reset your end-to-end encryption cross-signing identity, you first need to approve it at {url} and then try again.",
                },
            };
        }
    }

    /// <summary>Synapse's <c>has_different_keys</c>: a key in the upload that is not the stored one.</summary>
    private static bool Differs(CrossSigningRecord stored, JsonObject body) =>
        (body["master_key"] is JsonObject m && !Same(m, stored.Master))
        || (body["self_signing_key"] is JsonObject s && !Same(s, stored.SelfSigning))
        || (body["user_signing_key"] is JsonObject u && !Same(u, stored.UserSigning));

    private static bool Same(JsonObject given, JsonObject? stored) => stored is not null && CanonicalJson.Encode(given) == CanonicalJson.Encode(stored);

    /// <summary><c>POST /_synapse/admin/v1/users/{userId}/_allow_cross_signing_replacement_without_uia</c> (what MAS calls
    /// once the user approved a reset) → <c>{updatable_without_uia_before_ms}</c>; 404 without a master key.</summary>
    public static JsonObject AllowReplacement(ServerState state, string userId)
    {
        if (state.Data.CrossSigning.GetValueOrDefault(userId) is not { Master: not null } record)
        {
            throw Errors.NotFound("User has no master cross-signing key");
        }

        record.ReplaceWithoutAuthBeforeMs = state.NowMs + ReplacementPeriodMs;
        return new JsonObject { ["updatable_without_uia_before_ms"] = record.ReplaceWithoutAuthBeforeMs };
    }

    /// <summary><c>POST /keys/signatures/upload</c> → <c>{failures}</c>: each signature checked and stored, or a failure
    /// (<c>{status, errcode, message}</c>) for its key.</summary>
    public static JsonObject UploadSignatures(ServerState state, string userId, JsonObject body)
    {
        var failures = new JsonObject();
        var stored = 0;
        foreach (var (targetUser, signed) in body)
        {
            if (signed is not JsonObject keys)
            {
                throw Errors.InvalidParam("Invalid parameter");
            }

            foreach (var (targetId, key) in keys)
            {
                if (key is not JsonObject signedKey)
                {
                    throw Errors.InvalidParam("Invalid parameter");
                }

                try
                {
                    var found = targetUser == userId ? CheckOwn(state, userId, targetId, signedKey) : CheckOther(state, userId, targetUser, targetId, signedKey);
                    state.Data.CrossSigningSignatures.AddRange(found);
                    stored += found.Count;
                }
                catch (HomeserverErrorException e)
                {
                    var failed = failures[targetUser] as JsonObject ?? (JsonObject)(failures[targetUser] = new JsonObject());
                    failed[targetId] = new JsonObject { ["status"] = e.Status, ["errcode"] = e.Errcode, ["message"] = e.Message };
                }
            }
        }

        if (stored > 0)
        {
            DeviceLists.Changed(state, userId);
        }

        return new JsonObject { ["failures"] = failures };
    }

    /// <summary>The keys a user's own signatures are checked with: its self-signing key (for its devices) and its master
    /// key (to recognise a signature of the master key itself); a missing one fails each signature that needs it.</summary>
    private static (JsonObject? Master, string? MasterId, (string Id, byte[] Key)? SelfSigning) OwnSignatureKeys(ServerState state, string userId)
    {
        var record = state.Data.CrossSigning.GetValueOrDefault(userId);
        return (record?.Master, record?.Master is { } m ? SigningKey(m)?.Id : null, KeyOf(state, userId, SelfSigning));
    }

    private static (string Id, byte[] Key)? KeyOf(ServerState state, string userId, string usage) =>
        state.Data.CrossSigning.GetValueOrDefault(userId) is { } record && (usage == UserSigning ? record.UserSigning : record.SelfSigning) is { } key
            ? SigningKey(key)
            : null;

    private static List<SignatureRecord> CheckOwn(ServerState state, string userId, string targetId, JsonObject signed)
    {
        var keys = OwnSignatureKeys(state, userId);
        var signatures = signed["signatures"]?[userId] as JsonObject ?? throw new HomeserverErrorException(400, "M_INVALID_SIGNATURE", "Invalid signature");
        if (keys.MasterId is not null && targetId == keys.MasterId["ed25519:".Length..])
        {
            // The master key signed by the user's devices: each signature by a device's own ed25519 key.
            var found = new List<SignatureRecord>();
            foreach (var (signer, signature) in signatures)
            {
                var device = state.FindDevice(userId, signer.StartsWith("ed25519:", StringComparison.Ordinal) ? signer["ed25519:".Length..] : "");
                var deviceKey = device?.Keys?["keys"]?[signer]?.GetValue<string>() ?? throw new HomeserverErrorException(400, "M_INVALID_SIGNATURE", "Invalid signature");
                CheckSignature(userId, signer, Base64(deviceKey), signed, keys.Master!);
                found.Add(new SignatureRecord { SignerUserId = userId, SignerKeyId = signer, TargetUserId = userId, TargetId = targetId, Signature = signature!.GetValue<string>() });
            }

            return found;
        }

        var selfSigning = keys.SelfSigning ?? throw Errors.NotFound($"No self-signing key found for {userId}");
        var signatureOfKey = signatures[selfSigning.Id]?.GetValue<string>() ?? throw new HomeserverErrorException(400, "M_INVALID_SIGNATURE", "Invalid signature");
        var stored = state.FindDevice(userId, targetId)?.Keys ?? throw Errors.NotFound("Unknown device");
        if (state.Data.CrossSigningSignatures.Any(s => s.TargetUserId == userId && s.TargetId == targetId && s.SignerKeyId == selfSigning.Id))
        {
            return []; // already signed: the same signature
        }

        CheckSignature(userId, selfSigning.Id, selfSigning.Key, signed, stored);
        return [new SignatureRecord { SignerUserId = userId, SignerKeyId = selfSigning.Id, TargetUserId = userId, TargetId = targetId, Signature = signatureOfKey }];
    }

    private static List<SignatureRecord> CheckOther(ServerState state, string userId, string targetUser, string targetId, JsonObject signed)
    {
        var signing = KeyOf(state, userId, UserSigning) ?? throw Errors.NotFound($"No user_signing key found for {userId}");
        var master = state.Data.CrossSigning.GetValueOrDefault(targetUser)?.Master ?? throw Errors.NotFound("Unknown master key");
        if (SigningKey(master)?.Id != "ed25519:" + targetId)
        {
            throw new HomeserverErrorException(400, "M_UNKNOWN", "Key does not match");
        }

        var signature = signed["signatures"]?[userId]?[signing.Id]?.GetValue<string>() ?? throw new HomeserverErrorException(400, "M_INVALID_SIGNATURE", "Invalid signature");
        CheckSignature(userId, signing.Id, signing.Key, signed, master);
        return [new SignatureRecord { SignerUserId = userId, SignerKeyId = signing.Id, TargetUserId = targetUser, TargetId = targetId, Signature = signature }];
    }

    /// <summary>Synapse's <c>_check_device_signature</c>: what was signed is the stored copy (signatures and unsigned
    /// aside), and the signature by <paramref name="keyId"/> verifies.</summary>
    private static void CheckSignature(string userId, string keyId, byte[] key, JsonObject signed, JsonObject stored)
    {
        if (CanonicalJson.Encode(Unsigned(signed)) != CanonicalJson.Encode(Unsigned(stored)))
        {
            throw new HomeserverErrorException(400, "M_UNKNOWN", "Key does not match");
        }

        if (!Verifies(signed, userId, keyId, key))
        {
            throw new HomeserverErrorException(400, "M_INVALID_SIGNATURE", "Invalid signature");
        }
    }

    /// <summary>Synapse's <c>_check_cross_signing_key</c>: the key's owner, its usage, exactly one key, and when
    /// <paramref name="signer"/> is given, a valid signature by it.</summary>
    private static void Check(JsonObject key, string userId, string usage, (string Id, byte[] Key)? signer, string invalid)
    {
        if (Json.OptionalString(key, "user_id") != userId || key["usage"] is not JsonArray usages || !usages.Any(u => u is JsonValue v && v.TryGetValue<string>(out var s) && s == usage)
            || key["keys"] is not JsonObject { Count: 1 })
        {
            throw Errors.InvalidParam(invalid);
        }

        if (signer is { } s2 && !Verifies(key, userId, s2.Id, s2.Key))
        {
            throw new HomeserverErrorException(400, "M_INVALID_SIGNATURE", $"Invalid signature on {usage} key");
        }
    }

    private static JsonObject? Optional(JsonObject body, string name) => body[name] switch
    {
        null => null,
        JsonObject key => key,
        _ => throw Errors.InvalidParam($"Invalid {name}"),
    };

    /// <summary>The key's id and public key (<c>ed25519:&lt;key&gt;</c> → bytes), or null when it is not one ed25519 key.</summary>
    private static (string Id, byte[] Key)? SigningKey(JsonObject key)
    {
        if (key["keys"] is not JsonObject { Count: 1 } keys || keys.First() is not { Key: var id, Value: JsonValue value } || !id.StartsWith("ed25519:", StringComparison.Ordinal)
            || !value.TryGetValue<string>(out var text))
        {
            return null;
        }

        try
        {
            var bytes = Base64(text);
            return bytes.Length == 32 ? (id, bytes) : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>Whether <paramref name="signed"/> carries a valid ed25519 signature by <paramref name="keyId"/> of
    /// <paramref name="userId"/> over its canonical JSON without <c>signatures</c> and <c>unsigned</c>.</summary>
    private static bool Verifies(JsonObject signed, string userId, string keyId, byte[] key)
    {
        if (signed["signatures"]?[userId]?[keyId] is not JsonValue value || !value.TryGetValue<string>(out var text))
        {
            return false;
        }

        try
        {
            var signature = Base64(text);
            var message = Encoding.UTF8.GetBytes(CanonicalJson.Encode(Unsigned(signed)));
            return signature.Length == 64 && Org.BouncyCastle.Math.EC.Rfc8032.Ed25519.Verify(signature, 0, key, 0, message, 0, message.Length);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static JsonObject Unsigned(JsonObject key)
    {
        var copy = (JsonObject)key.DeepClone();
        copy.Remove("signatures");
        copy.Remove("unsigned");
        return copy;
    }

    /// <summary>Unpadded (or padded) standard base64.</summary>
    private static byte[] Base64(string text) => Convert.FromBase64String(text.PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '='));

    /// <summary><c>/keys/query</c>'s cross-signing part for <paramref name="users"/> as <paramref name="requester"/> sees
    /// it: everyone's master and self-signing keys (a master key with the signatures of its owner and of the requester),
    /// and the requester's own user-signing key when the requester is asked for.</summary>
    public static void AddToQuery(ServerState state, string requester, IEnumerable<string> users, JsonObject answer)
    {
        var masters = new JsonObject();
        var selfSigning = new JsonObject();
        var userSigning = new JsonObject();
        foreach (var userId in users)
        {
            if (state.Data.CrossSigning.GetValueOrDefault(userId) is not { } record)
            {
                continue;
            }

            if (record.Master is { } master)
            {
                var id = SigningKey(master)?.Id[("ed25519:".Length)..];
                masters[userId] = WithSignatures(state, master, userId, id, signer => signer == userId || signer == requester);
            }

            if (record.SelfSigning is { } self)
            {
                selfSigning[userId] = self.DeepClone();
            }

            if (userId == requester && record.UserSigning is { } user)
            {
                userSigning[userId] = user.DeepClone();
            }
        }

        answer["master_keys"] = masters;
        answer["self_signing_keys"] = selfSigning;
        answer["user_signing_keys"] = userSigning;
    }

    /// <summary>A device's keys with the signatures its owner uploaded for it (its self-signing key's) merged in.</summary>
    public static JsonObject WithOwnerSignatures(ServerState state, JsonObject keys, string userId, string deviceId) =>
        WithSignatures(state, keys, userId, deviceId, signer => signer == userId);

    private static JsonObject WithSignatures(ServerState state, JsonObject key, string userId, string? targetId, Func<string, bool> visible)
    {
        var copy = (JsonObject)key.DeepClone();
        foreach (var s in state.Data.CrossSigningSignatures.Where(s => s.TargetUserId == userId && s.TargetId == targetId && visible(s.SignerUserId)))
        {
            var signatures = copy["signatures"] as JsonObject ?? (JsonObject)(copy["signatures"] = new JsonObject());
            var bySigner = signatures[s.SignerUserId] as JsonObject ?? (JsonObject)(signatures[s.SignerUserId] = new JsonObject());
            bySigner[s.SignerKeyId] = s.Signature;
        }

        return copy;
    }
}

/// <summary>A user's cross-signing keys as uploaded, and until when MAS's approval lets the master key be replaced
/// without authentication.</summary>
public sealed class CrossSigningRecord
{
    public JsonObject? Master { get; set; }

    public JsonObject? SelfSigning { get; set; }

    public JsonObject? UserSigning { get; set; }

    public long? ReplaceWithoutAuthBeforeMs { get; set; }
}

/// <summary>A signature uploaded with <c>/keys/signatures/upload</c>: who signed with which key, and what (a device id,
/// or a master key's public key).</summary>
public sealed class SignatureRecord
{
    public required string SignerUserId { get; set; }

    public required string SignerKeyId { get; set; }

    public required string TargetUserId { get; set; }

    public required string TargetId { get; set; }

    public required string Signature { get; set; }
}
