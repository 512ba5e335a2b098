using Microsoft.Extensions.Logging;
using Solti.Matrix.Crypto;
using Solti.Matrix.Sessions;

namespace Solti.Matrix.Encryption;

/// <summary>What <c>crypto rotate-recovery-key</c> made: the new recovery key (shown once), its secret storage key id, and
/// the identity it keeps.</summary>
public sealed record RecoveryKeyRotation(RecoveryKey RecoveryKey, string SecretStorageKeyId, string MasterKey);

/// <summary>What <c>crypto bootstrap</c> made: the recovery key (shown once, to the caller only), the three public
/// cross-signing keys, the secret storage key's id and the device that signed itself with them.</summary>
/// <param name="RecoveryKey">The key of the secret storage that holds the private keys; never logged.</param>
/// <param name="MasterKey">The master key (the bot's identity), unpadded base64.</param>
/// <param name="SelfSigningKey">The self-signing key, which signs the bot's devices.</param>
/// <param name="UserSigningKey">The user-signing key.</param>
/// <param name="SecretStorageKeyId">The id of the secret storage key (account data <c>m.secret_storage.key.{id}</c>).</param>
/// <param name="DeviceId">This device, signed by the self-signing key.</param>
/// <param name="Replaced">Whether an identity the bot had before was replaced (<c>--reset</c>).</param>
public sealed record IdentityBootstrap(RecoveryKey RecoveryKey, string MasterKey, string SelfSigningKey, string UserSigningKey, string SecretStorageKeyId, string DeviceId, bool Replaced);

/// <summary>The bot's cross-signing identity (docs/encryption.md, "The bot's identity"), on top of the device settled
/// under its crypto lock (<see cref="RoomEncryptor.SettleAsync"/>):
/// <list type="bullet">
/// <item>bootstrap: three new keys (<see cref="CrossSigningKeys"/>) and a new recovery key; the private keys go into
/// secret storage as Element keeps them (account data <c>m.secret_storage.key.{id}</c> with the key check,
/// <c>m.cross_signing.master|self_signing|user_signing</c> encrypted), written before the public keys are uploaded
/// (<c>/keys/device_signing/upload</c>, with the password when the homeserver asks user-interactive authentication), on
/// a reset staged beside the current identity's so that a refused upload changes nothing; then
/// <c>m.secret_storage.default_key</c> names the new key, the self-signing key signs this device and the device signs
/// the master key (<c>/keys/signatures/upload</c>);</item>
/// <item>sign on first use: a device given the recovery key whose keys the self-signing key the server lists has not
/// signed reads that key from secret storage (the key check first) and signs itself; the store remembers which
/// self-signing key signed it, so a later send of the device asks nothing more.</item>
/// </list></summary>
public sealed class BotIdentity
{
    /// <summary>The store's setting: the self-signing key (public) that signed this device.</summary>
    private const string SignedBy = "cross_signed_by";
    private const string DefaultKey = "m.secret_storage.default_key";
    private const string KeyPrefix = "m.secret_storage.key.";

    /// <summary>Where an operator gives the recovery key, for the errors that name it.</summary>
    public const string RecoveryKeyOptions = "recovery_key (module), --recovery-key-file or SOLTI_MATRIX_RECOVERY_KEY (CLI, relay)";

    private readonly MatrixSession _session;
    private readonly ILogger _logger;

    internal BotIdentity(MatrixSession session) =>
        (_session, _logger) = (session, session.Http.Options.LoggerFactory.CreateLogger("Solti.Matrix.Encryption"));

    /// <summary>The master key the server lists for the user (<c>/keys/query</c>'s <c>master_keys</c>), or null.</summary>
    internal static string? MasterKeyOf(RoomEncryptor.DeviceContext device) =>
        CrossSigningKeys.PublicKeyOf(device.Query["master_keys"]?[device.UserId] as JsonObject, device.UserId, "master");

    /// <summary>Whether the server lists the device signed by the user's self-signing key, itself signed by the master.</summary>
    internal static bool IsCrossSigned(RoomEncryptor.DeviceContext device) =>
        device.DeviceKeys[device.UserId]?[device.DeviceId] is JsonObject listed
        && CrossSigningKeys.IsDeviceCrossSigned(listed, SelfSigningKeyObject(device), device.Query["master_keys"]?[device.UserId] as JsonObject, device.UserId);

    /// <summary>Whether the device is signed by the self-signing key the server lists: as the server listed it, or as
    /// this device signed itself after that answer (the store's record, written once the server took the signature).</summary>
    internal static bool IsSigned(RoomEncryptor.DeviceContext device) =>
        IsCrossSigned(device)
        || (CrossSigningKeys.PublicKeyOf(SelfSigningKeyObject(device), device.UserId, "self_signing") is { } selfSigning && device.Store.Setting(SignedBy) == selfSigning);

    /// <summary>Makes the bot's identity (see the class); refuses when the server lists one already, unless
    /// <paramref name="reset"/>, which replaces it.</summary>
    internal async Task<IdentityBootstrap> BootstrapAsync(RoomEncryptor.DeviceContext device, bool reset, IRandomSource? random, CancellationToken cancellationToken)
    {
        var existing = MasterKeyOf(device);
        if (existing is not null && !reset)
        {
            throw new EncryptionException($"{device.UserId} has a cross-signing identity already (master key {existing}): nothing was changed; to replace it (a new identity and recovery key; every device of the bot then signs itself again, given the new key), run crypto bootstrap --reset");
        }

        var keys = CrossSigningKeys.Generate(device.UserId, random);
        var recoveryKey = RecoveryKey.Generate(random);
        var keyId = await StoreSecretsAsync(device.UserId, recoveryKey, keys.Secrets(),
            () => UploadKeysAsync(device.UserId, keys.UploadBody(), replacing: existing is not null, cancellationToken), random, cancellationToken);

        var ownKeys = device.Account.DeviceKeysForUpload(device.UserId, device.DeviceId); // as uploaded: Ed25519 signatures are deterministic
        var master = CrossSigningKeys.KeyObject(device.UserId, "master", keys.Master.PublicKey);
        await UploadSignaturesAsync(device.UserId, new JsonObject
        {
            [device.DeviceId] = CrossSigningKeys.SignDevice(ownKeys, device.UserId, keys.SelfSigning),
            [keys.Master.PublicKey] = CrossSigningKeys.SignMaster(master, m => device.Account.Sign(m, device.UserId, device.DeviceId)),
        }, cancellationToken);
        device.Store.SaveSetting(SignedBy, keys.SelfSigning.PublicKey);
        _logger.LogInformation("{User}: cross-signing identity {Master} made; device {Device} signed by it", device.UserId, keys.Master.PublicKey, device.DeviceId);
        return new IdentityBootstrap(recoveryKey, keys.Master.PublicKey, keys.SelfSigning.PublicKey, keys.UserSigning.PublicKey, keyId, device.DeviceId, existing is not null);
    }

    /// <summary>Rotates the recovery key: the identity's three secrets read with <paramref name="current"/> (the key check
    /// first; the master secret must be the master key the server lists) and stored again under a new recovery key, which
    /// is returned once. The identity stays, and so does every signature made with it.</summary>
    internal async Task<RecoveryKeyRotation> RotateRecoveryKeyAsync(string userId, string? listedMaster, RecoveryKey current, IRandomSource? random, CancellationToken cancellationToken)
    {
        var master = listedMaster ?? throw new EncryptionException($"{userId} has no cross-signing identity: there is no recovery key to rotate (run solti-matrix crypto bootstrap)");
        var (keyId, _) = await DefaultKeyAsync(userId, current, cancellationToken);
        var secrets = new List<(string Name, string Secret)>();
        foreach (var name in new[] { CrossSigningKeys.MasterSecret, CrossSigningKeys.SelfSigningSecret, CrossSigningKeys.UserSigningSecret })
        {
            var item = (await GetAccountDataAsync(userId, name, cancellationToken))?["encrypted"]?[keyId] as JsonObject
                ?? throw new EncryptionException($"{userId}'s secret storage holds no {name} for key {keyId}: nothing was changed; run solti-matrix crypto bootstrap --reset");
            try
            {
                secrets.Add((name, SecretStorage.Decrypt(current, name, item)));
            }
            catch (CryptoException e)
            {
                throw new EncryptionException($"{userId}'s secret {name} cannot be read with the recovery key given ({RecoveryKeyOptions}): {e.Message}; nothing was changed");
            }
        }

        if (CrossSigningKeys.FromSecret(secrets[0].Secret).PublicKey != master)
        {
            throw new EncryptionException($"{userId}'s secret storage holds another master key than the homeserver lists ({master}): nothing was changed; run solti-matrix crypto bootstrap --reset");
        }

        var next = RecoveryKey.Generate(random);
        var nextId = await StoreSecretsAsync(userId, next, secrets, () => Task.CompletedTask, random, cancellationToken);
        _logger.LogInformation("{User}: recovery key rotated (secret storage key {Old} → {New}); identity {Master} kept", userId, keyId, nextId, master);
        return new RecoveryKeyRotation(next, nextId, master);
    }

    /// <summary>Stores <paramref name="secrets"/> under a new secret storage key of <paramref name="key"/> (its
    /// description first), each staged beside what the secret holds now (under the current default key, which stays the
    /// default meanwhile); then <paramref name="beforeDefault"/> (the upload of new public keys) and only if it succeeds
    /// the new key becomes the default and the old copies go. A failure before that leaves secret storage readable with
    /// the current key, as it was. The new key's id.</summary>
    private async Task<string> StoreSecretsAsync(string userId, RecoveryKey key, IReadOnlyList<(string Name, string Secret)> secrets, Func<Task> beforeDefault, IRandomSource? random, CancellationToken cancellationToken)
    {
        var keyId = NewKeyId(random ?? KernelRandom.Instance);
        var description = SecretStorage.KeyDescription(key, random);
        description["name"] = "solti-matrix";
        await PutAccountDataAsync(userId, KeyPrefix + keyId, description, cancellationToken);
        var items = secrets.Select(s => (s.Name, Item: SecretStorage.Encrypt(key, s.Name, s.Secret, random))).ToList();
        var replaced = false;
        foreach (var (name, item) in items)
        {
            var staged = (await GetAccountDataAsync(userId, name, cancellationToken))?["encrypted"]?.DeepClone() as JsonObject ?? [];
            replaced |= staged.Count > 0;
            staged[keyId] = item.DeepClone();
            await PutAccountDataAsync(userId, name, new JsonObject { ["encrypted"] = staged }, cancellationToken);
        }

        await beforeDefault();
        await PutAccountDataAsync(userId, DefaultKey, new JsonObject { ["key"] = keyId }, cancellationToken);
        foreach (var (name, item) in replaced ? items : [])
        {
            await PutAccountDataAsync(userId, name, new JsonObject { ["encrypted"] = new JsonObject { [keyId] = item } }, cancellationToken); // the old key's copies go
        }

        return keyId;
    }

    /// <summary>Signs the device with the bot's self-signing key, read from secret storage with <paramref name="recoveryKey"/>,
    /// unless the self-signing key the server lists signed it already (remembered in the store: no request then). A
    /// bot without an identity is left as it is, with a log line.</summary>
    internal async Task SignOnFirstUseAsync(RoomEncryptor.DeviceContext device, RecoveryKey recoveryKey, CancellationToken cancellationToken)
    {
        var selfSigning = CrossSigningKeys.PublicKeyOf(SelfSigningKeyObject(device), device.UserId, "self_signing");
        if (selfSigning is null)
        {
            _logger.LogWarning("{User} has no cross-signing identity: device {Device} stays unsigned (run solti-matrix crypto bootstrap once)", device.UserId, device.DeviceId);
            return;
        }

        if (device.Store.Setting(SignedBy) == selfSigning)
        {
            return;
        }

        if (!IsCrossSigned(device))
        {
            Ed25519KeyPair key;
            try
            {
                key = await ReadSelfSigningKeyAsync(device.UserId, recoveryKey, selfSigning, cancellationToken);
            }
            catch (CryptoException e)
            {
                throw new EncryptionException($"{device.UserId}'s secret storage cannot be read with the recovery key given ({RecoveryKeyOptions}): {e.Message}; nothing was sent");
            }


            var listed = device.DeviceKeys[device.UserId]?[device.DeviceId] as JsonObject ?? device.Account.DeviceKeysForUpload(device.UserId, device.DeviceId);
            await UploadSignaturesAsync(device.UserId, new JsonObject { [device.DeviceId] = CrossSigningKeys.SignDevice(listed, device.UserId, key) }, cancellationToken);
            _logger.LogInformation("{User}: device {Device} signed by its self-signing key {Key}", device.UserId, device.DeviceId, selfSigning);
        }

        device.Store.SaveSetting(SignedBy, selfSigning);
    }

    /// <summary>The self-signing key's private half from secret storage: the default key's check must pass with
    /// <paramref name="recoveryKey"/>, and the key read must be the one the server lists.</summary>
    private async Task<Ed25519KeyPair> ReadSelfSigningKeyAsync(string userId, RecoveryKey recoveryKey, string expected, CancellationToken cancellationToken)
    {
        var (keyId, _) = await DefaultKeyAsync(userId, recoveryKey, cancellationToken);
        var item = (await GetAccountDataAsync(userId, CrossSigningKeys.SelfSigningSecret, cancellationToken))?["encrypted"]?[keyId] as JsonObject
            ?? throw new EncryptionException($"{userId}'s secret storage holds no {CrossSigningKeys.SelfSigningSecret} for key {keyId}: run solti-matrix crypto bootstrap --reset");
        var key = CrossSigningKeys.FromSecret(SecretStorage.Decrypt(recoveryKey, CrossSigningKeys.SelfSigningSecret, item));
        return key.PublicKey == expected
            ? key
            : throw new EncryptionException($"{userId}'s secret storage holds another self-signing key ({key.PublicKey}) than the homeserver lists ({expected}): the identity was replaced elsewhere without its secrets; run solti-matrix crypto bootstrap --reset");
    }

    /// <summary>The id and description of the secret storage's default key, which <paramref name="recoveryKey"/> must
    /// open (its key check).</summary>
    private async Task<(string KeyId, JsonObject Description)> DefaultKeyAsync(string userId, RecoveryKey recoveryKey, CancellationToken cancellationToken)
    {
        var keyId = (await GetAccountDataAsync(userId, DefaultKey, cancellationToken))?["key"] is JsonValue id && id.TryGetValue<string>(out var k) ? k
            : throw new EncryptionException($"{userId} has no secret storage (no {DefaultKey} account data): its identity was not made by crypto bootstrap or Element; run solti-matrix crypto bootstrap --reset");
        var description = await GetAccountDataAsync(userId, KeyPrefix + keyId, cancellationToken)
            ?? throw new EncryptionException($"{userId}'s secret storage key {keyId} has no description ({KeyPrefix}{keyId}): run solti-matrix crypto bootstrap --reset");
        return SecretStorage.IsKeyOf(recoveryKey, description)
            ? (keyId, description)
            : throw new EncryptionException($"the recovery key given ({RecoveryKeyOptions}) is not the key of {userId}'s secret storage (its key check fails): give the key crypto bootstrap or crypto rotate-recovery-key printed last; nothing was changed or sent");
    }

    /// <summary>Uploads the public cross-signing keys, with the password when the homeserver asks it; what it asks that
    /// cannot be given (a browser approval with MAS, a password this session does not have) fails saying what to do.</summary>
    private async Task UploadKeysAsync(string userId, JsonObject body, bool replacing, CancellationToken cancellationToken)
    {
        try
        {
            await _session.PostWithPasswordAuthAsync(MatrixPath.Client + "/keys/device_signing/upload", body, cancellationToken);
        }
        catch (MatrixException e) when (e.UserInteractiveAuth is { } asked)
        {
            throw new EncryptionException(WhyNotAuthenticated(userId, asked, replacing, e));
        }
    }

    /// <summary>Why the upload of cross-signing keys could not authenticate, and what the operator does.</summary>
    private string WhyNotAuthenticated(string userId, JsonObject asked, bool replacing, MatrixException refusal)
    {
        var what = replacing ? "replace" : "upload";
        foreach (var stage in new[] { "org.matrix.cross_signing_reset", "m.oauth" })
        {
            if (asked["params"]?[stage]?["url"] is JsonValue url && url.TryGetValue<string>(out var approve))
            {
                return $"the homeserver's account service (MAS) lets {userId} {what} its cross-signing keys only once that is approved in a browser: open {approve} signed in as {userId}, approve the reset, then run solti-matrix crypto bootstrap{(replacing ? " --reset" : "")} again (within the time it allows); the new keys wait in secret storage beside the current ones, which the current recovery key still opens; nothing else changed";
            }
        }

        if (!MatrixSession.OffersPasswordAlone(asked))
        {
            return $"the homeserver asks an authentication solti-matrix cannot give to {what} the cross-signing keys of {userId} (flows {asked["flows"]?.ToJsonString()})";
        }

        return _session.HasPassword
            ? $"the homeserver refused the password of {userId} to {what} its cross-signing keys: {refusal.Error}"
            : $"the homeserver asks the password of {userId} to {what} its cross-signing keys, and this session has only an access token: give --user and --password-file (or MATRIX_USER_ID and MATRIX_PASSWORD; user_id and password for a module)";
    }

    private async Task UploadSignaturesAsync(string userId, JsonObject signed, CancellationToken cancellationToken)
    {
        var reply = await _session.SendAsync(MatrixRequest.Post(MatrixPath.Client + "/keys/signatures/upload", new JsonObject { [userId] = signed }), cancellationToken);
        if (reply["failures"] is JsonObject { Count: > 0 } failures)
        {
            throw new EncryptionException($"the homeserver refused signatures of {userId}'s keys: {failures.ToJsonString()}");
        }
    }

    private static JsonObject? SelfSigningKeyObject(RoomEncryptor.DeviceContext device) => device.Query["self_signing_keys"]?[device.UserId] as JsonObject;

    private Task PutAccountDataAsync(string userId, string type, JsonObject content, CancellationToken cancellationToken) =>
        _session.SendAsync(MatrixRequest.Put(AccountDataPath(userId, type), content), cancellationToken);

    private Task<JsonObject?> GetAccountDataAsync(string userId, string type, CancellationToken cancellationToken) =>
        _session.GetOrNullAsync(AccountDataPath(userId, type), cancellationToken);

    private static string AccountDataPath(string userId, string type) =>
        MatrixPath.Build(MatrixPath.Client, "user", PathPart.Value(userId), "account_data", PathPart.Value(type));

    /// <summary>A secret storage key id as Element makes them: 32 letters and digits.</summary>
    private static string NewKeyId(IRandomSource random)
    {
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        Span<byte> bytes = stackalloc byte[32];
        random.Fill(bytes);
        var id = new char[bytes.Length];
        for (var i = 0; i < bytes.Length; i++)
        {
            id[i] = Alphabet[bytes[i] % Alphabet.Length];
        }

        return new string(id);
    }
}
