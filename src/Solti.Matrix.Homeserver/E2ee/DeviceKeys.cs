using System.Text.Json;

namespace Solti.Matrix.Homeserver.E2ee;

/// <summary>Device keys, one-time keys and fallback keys as Synapse keeps them: stored as uploaded (no signature is
/// checked), one-time keys consumed by claims, a fallback key handed out when none is left and kept until replaced.</summary>
public static class DeviceKeys
{
    /// <summary>Synapse always reports this algorithm's count, 0 when none are left (clients expect it).</summary>
    public const string SignedCurve25519 = "signed_curve25519";

    /// <summary><c>POST /keys/upload</c> for the requester's device → <c>{one_time_key_counts}</c>.</summary>
    public static JsonObject Upload(ServerState state, Requester requester, JsonObject body)
    {
        var device = requester.DeviceId is { } deviceId ? state.FindDevice(requester.UserId, deviceId) : null;
        if (device is null)
        {
            throw Errors.Unknown(400, "To upload keys, you must pass device_id when authenticating");
        }

        var deviceKeys = body["device_keys"];
        var oneTimeKeys = KeyMap(body, "one_time_keys");
        var fallbackKeys = KeyMap(body, "fallback_keys");
        if (deviceKeys is JsonObject keys && keys.Count > 0)
        {
            if (state.Options.Compatibility.KeyUploadChecksOwner)
            {
                RequireOwner(keys, requester);
            }

            var sorted = (JsonObject)CanonicalJson.Sorted(keys)!;
            if (device.Keys is null || !JsonNode.DeepEquals(device.Keys, sorted))
            {
                device.Keys = sorted;
                DeviceLists.Changed(state, requester.UserId); // Synapse notifies only when the keys changed
            }
        }
        else if (deviceKeys is not (null or JsonObject) && state.Options.Compatibility.KeyUploadChecksOwner)
        {
            throw Errors.BadJson("device_keys must be an object");
        }

        AddOneTimeKeys(device, oneTimeKeys);
        foreach (var (algorithm, keyId, key) in fallbackKeys)
        {
            // As Synapse: the same key uploaded again keeps its used flag; a new one starts unused.
            if (!device.FallbackKeys.TryGetValue(algorithm, out var old) || old.KeyId != keyId || CanonicalJson.Encode(old.Key) != CanonicalJson.Encode(key))
            {
                device.FallbackKeys[algorithm] = new FallbackKeyRecord { KeyId = keyId, Key = key.DeepClone() };
            }
        }

        return new JsonObject { ["one_time_key_counts"] = Counts(device) };
    }

    /// <summary>Since Synapse 1.140 (PR #17097) the uploaded <c>device_keys</c> must name the requester and its device.</summary>
    private static void RequireOwner(JsonObject keys, Requester requester)
    {
        if (Json.OptionalString(keys, "user_id") != requester.UserId)
        {
            throw Errors.BadJson("Provided `user_id` in `device_keys` does not match that of the authenticated user");
        }

        if (Json.OptionalString(keys, "device_id") != requester.DeviceId)
        {
            throw Errors.BadJson("Provided `device_id` in `device_keys` does not match that of the authenticated user device");
        }
    }

    /// <summary>A one-time key id already stored must come with the same key (signatures aside), else Synapse's 400
    /// naming both; nothing of the upload is stored then.</summary>
    private static void AddOneTimeKeys(DeviceRecord device, List<(string Algorithm, string KeyId, JsonNode Key)> keys)
    {
        var added = new List<OneTimeKeyRecord>();
        foreach (var (algorithm, keyId, key) in keys)
        {
            var existing = device.OneTimeKeys.Concat(added).FirstOrDefault(k => k.Algorithm == algorithm && k.KeyId == keyId);
            if (existing is null)
            {
                added.Add(new OneTimeKeyRecord { Algorithm = algorithm, KeyId = keyId, Key = key.DeepClone() });
            }
            else if (CanonicalJson.Encode(WithoutSignatures(existing.Key)) != CanonicalJson.Encode(WithoutSignatures(key)))
            {
                throw Errors.Unknown(400, $"One time key {algorithm}:{keyId} already exists. Old key: {CanonicalJson.Encode(existing.Key)}; new key: {CanonicalJson.PythonRepr(key)}");
            }
        }

        device.OneTimeKeys.AddRange(added);
    }

    private static JsonNode? WithoutSignatures(JsonNode key)
    {
        if (key is not JsonObject o)
        {
            return key;
        }

        var copy = (JsonObject)o.DeepClone();
        copy.Remove("signatures");
        return copy;
    }

    /// <summary><c>{"algorithm:key_id": key}</c> as (algorithm, key id, key); an id without exactly one colon is a 400.</summary>
    private static List<(string Algorithm, string KeyId, JsonNode Key)> KeyMap(JsonObject body, string name)
    {
        var result = new List<(string, string, JsonNode)>();
        switch (body[name])
        {
            case null:
                return result;
            case JsonObject map:
                foreach (var (id, key) in map)
                {
                    var parts = id.Split(':');
                    if (parts.Length != 2 || key is null)
                    {
                        throw Errors.BadJson($"Invalid {name} key '{id}'. Expected \"<algorithm>:<key_id>\".");
                    }

                    result.Add((parts[0], parts[1], key));
                }

                return result;
            default:
                throw Errors.BadJson($"{name} must be a mapping");
        }
    }

    /// <summary>Unclaimed one-time keys per algorithm, <see cref="SignedCurve25519"/> always present.</summary>
    public static JsonObject Counts(DeviceRecord device)
    {
        var counts = new JsonObject { [SignedCurve25519] = 0 };
        foreach (var group in device.OneTimeKeys.GroupBy(k => k.Algorithm, StringComparer.Ordinal))
        {
            counts[group.Key] = group.Count();
        }

        return counts;
    }

    /// <summary>The algorithms whose fallback key has not been claimed.</summary>
    public static JsonArray UnusedFallbackTypes(DeviceRecord device) =>
        new([.. device.FallbackKeys.Where(p => !p.Value.Used).Select(p => p.Key).Order(StringComparer.Ordinal).Select(a => (JsonNode)a)]);

    /// <summary><c>POST /keys/query</c>: the keys of every listed device (all of a user's when the list is empty) that has
    /// uploaded some, with <c>unsigned.device_display_name</c> when the device has a name. Remote users fail as an
    /// unreachable server would (no federation here).</summary>
    public static JsonObject Query(ServerState state, string requester, JsonObject body)
    {
        if (body["device_keys"] is not JsonObject query)
        {
            throw Errors.BadJson("'device_keys' must be a JSON object");
        }

        if (query.Any(p => p.Value is not JsonArray list || list.Any(d => d is not JsonValue v || v.GetValueKind() != JsonValueKind.String)))
        {
            throw Errors.BadJson("'device_keys' values must be a list of strings");
        }

        var result = new JsonObject();
        var failures = new JsonObject();
        foreach (var (userId, list) in query)
        {
            if (!MatrixIds.IsUserId(userId))
            {
                continue; // as Synapse: an invalid user id is as a user without keys, left out
            }

            if (!state.IsLocal(userId))
            {
                failures[userId[(userId.IndexOf(':', StringComparison.Ordinal) + 1)..]] = Unreachable();
                continue;
            }

            var wanted = list!.AsArray().Select(d => d!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
            var devices = new JsonObject();
            foreach (var device in state.DevicesOf(userId).Where(d => d.Keys is not null && (wanted.Count == 0 || wanted.Contains(d.DeviceId))).OrderBy(d => d.DeviceId, StringComparer.Ordinal))
            {
                devices[device.DeviceId] = CrossSigning.WithOwnerSignatures(state, Render(device), userId, device.DeviceId);
            }

            result[userId] = devices;
        }

        var answer = new JsonObject { ["device_keys"] = result, ["failures"] = failures };
        CrossSigning.AddToQuery(state, requester, result.Select(p => p.Key), answer);
        return answer;
    }

    private static JsonObject Render(DeviceRecord device)
    {
        var keys = (JsonObject)device.Keys!.DeepClone();
        var unsigned = new JsonObject();
        if (!string.IsNullOrEmpty(device.DisplayName))
        {
            unsigned["device_display_name"] = device.DisplayName;
        }

        keys["unsigned"] = unsigned;
        return keys;
    }

    /// <summary><c>POST /keys/claim</c>: per device one one-time key of the algorithm, consumed; when none is left the
    /// fallback key, marked used but kept.</summary>
    public static JsonObject Claim(ServerState state, JsonObject body)
    {
        var result = new JsonObject();
        var failures = new JsonObject();
        if (body["one_time_keys"] is JsonObject query)
        {
            foreach (var (userId, byDevice) in query)
            {
                if (!state.IsLocal(userId))
                {
                    failures[userId[(userId.IndexOf(':', StringComparison.Ordinal) + 1)..]] = Unreachable();
                    continue;
                }

                if (byDevice is not JsonObject devices)
                {
                    continue;
                }

                foreach (var (deviceId, algorithmNode) in devices)
                {
                    if (algorithmNode is JsonValue v && v.TryGetValue<string>(out var algorithm) && state.FindDevice(userId, deviceId) is { } device
                        && Take(device, algorithm) is { } claimed)
                    {
                        var userKeys = result[userId] as JsonObject ?? (JsonObject)(result[userId] = new JsonObject());
                        userKeys[deviceId] = new JsonObject { [claimed.Id] = claimed.Key.DeepClone() };
                    }
                }
            }
        }

        return new JsonObject { ["one_time_keys"] = result, ["failures"] = failures };
    }

    private static (string Id, JsonNode Key)? Take(DeviceRecord device, string algorithm)
    {
        if (device.OneTimeKeys.FirstOrDefault(k => k.Algorithm == algorithm) is { } key)
        {
            device.OneTimeKeys.Remove(key);
            return ($"{algorithm}:{key.KeyId}", key.Key);
        }

        if (device.FallbackKeys.TryGetValue(algorithm, out var fallback))
        {
            fallback.Used = true;
            return ($"{algorithm}:{fallback.KeyId}", fallback.Key);
        }

        return null;
    }

    /// <summary>What Synapse reports for a server it cannot reach.</summary>
    private static JsonObject Unreachable() => new() { ["status"] = 503, ["message"] = "Not ready for retry" };
}
