namespace Solti.Matrix.Commands;

/// <summary><c>crypto bootstrap</c>, <c>crypto rotate-recovery-key</c>, <c>crypto status</c> and <c>crypto reset-device</c>: the bot's cross-signing identity and this host's device
/// (docs/encryption.md, "The bot's identity").</summary>
public static class CryptoCommands
{
    public static Command Create()
    {
        var crypto = new Command("crypto", "The bot's end-to-end encryption identity and this host's device");
        crypto.Subcommands.Add(Bootstrap());
        crypto.Subcommands.Add(RotateRecoveryKey());
        crypto.Subcommands.Add(Status());
        crypto.Subcommands.Add(ResetDevice());
        return crypto;
    }

    /// <summary>Makes the bot's identity and prints the recovery key: the one place it is ever printed, once.</summary>
    private static Command Bootstrap()
    {
        var reset = new Option<bool>("--reset") { Description = "Replace the identity the bot has (a new recovery key; asks the password, or a browser approval with MAS)" };
        var command = new Command("bootstrap", "Make the bot's cross-signing identity, its private keys in secret storage, and print the recovery key once (keep it: hosts given it sign their devices)") { reset };
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(parse, async () =>
        {
            using var client = ClientFactory.Create(parse);
            var made = await client.BootstrapIdentityAsync(parse.GetValue(reset), cancellationToken);
            CliOutput.Write(parse, new JsonObject
            {
                ["recovery_key"] = made.RecoveryKey.Encode(),
                ["master_key"] = made.MasterKey,
                ["self_signing_key"] = made.SelfSigningKey,
                ["user_signing_key"] = made.UserSigningKey,
                ["secret_storage_key_id"] = made.SecretStorageKeyId,
                ["device_id"] = made.DeviceId,
                ["replaced"] = made.Replaced,
                ["changed"] = true,
            });
        }));
        return command;
    }

    /// <summary>A new recovery key for the same identity, printed once; the current one from --recovery-key-file or the
    /// environment.</summary>
    private static Command RotateRecoveryKey()
    {
        var command = new Command("rotate-recovery-key", "Store the bot's identity again under a new recovery key and print it once; the identity and every device's signature stay (the current key: --recovery-key-file or SOLTI_MATRIX_RECOVERY_KEY)");
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(parse, async () =>
        {
            using var client = ClientFactory.Create(parse);
            var rotated = await client.RotateRecoveryKeyAsync(cancellationToken);
            CliOutput.Write(parse, new JsonObject
            {
                ["recovery_key"] = rotated.RecoveryKey.Encode(),
                ["master_key"] = rotated.MasterKey,
                ["secret_storage_key_id"] = rotated.SecretStorageKeyId,
                ["changed"] = true,
            });
        }));
        return command;
    }

    /// <summary>Starts this host's device over: the next device of its series with new keys; the old one deleted on the
    /// server (the password) and its crypto store removed.</summary>
    private static Command ResetDevice()
    {
        var command = new Command("reset-device", "Start this host's device over: the next device id of its series with new keys (signed given the recovery key); the old device deleted on the server (needs the password), its crypto store removed");
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(parse, async () =>
        {
            using var client = ClientFactory.Create(parse);
            var (old, now) = await client.ResetDeviceAsync(cancellationToken);
            var result = Describe(now);
            result["old_device_id"] = old;
            result["changed"] = true;
            CliOutput.Write(parse, result);
        }));
        return command;
    }

    /// <summary>This host's device: its public keys, whether the bot's identity signed it, its one-time keys on the
    /// server and the rooms it has a Megolm session for. No private key.</summary>
    private static Command Status()
    {
        var command = new Command("status", "Show this host's device: its keys, whether the bot's identity signed it, its one-time keys on the server, the rooms with an outbound session");
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(parse, async () =>
        {
            using var client = ClientFactory.Create(parse);
            CliOutput.Write(parse, Describe(await client.CryptoStatusAsync(cancellationToken)));
        }));
        return command;
    }

    private static JsonObject Describe(Encryption.DeviceCryptoStatus status) => new()
    {
        ["user_id"] = status.UserId,
        ["device_id"] = status.DeviceId,
        ["ed25519"] = status.Ed25519Key,
        ["curve25519"] = status.Curve25519Key,
        ["cross_signed"] = status.CrossSigned,
        ["master_key"] = status.MasterKey,
        ["one_time_keys_on_server"] = status.OneTimeKeysOnServer,
        ["outbound_sessions"] = new JsonArray([.. status.OutboundRooms.Select(r => (JsonNode)r)]),
    };
}
