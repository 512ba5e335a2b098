namespace Solti.Matrix.Crypto;

/// <summary>Signing JSON (spec appendix "Signing Details"): the object without <c>signatures</c> and <c>unsigned</c>,
/// in canonical JSON, signed with Ed25519; the signature goes under <c>signatures.{entity}.{key id}</c>, the key id being
/// <c>ed25519:{name}</c> (a device's id for device keys).</summary>
public static class SignedJson
{
    /// <summary>The bytes a signature covers: <paramref name="value"/> in canonical JSON without <c>signatures</c> and
    /// <c>unsigned</c>.</summary>
    public static byte[] SigningBytes(JsonObject value) => CanonicalJson.Encode(WithoutSignatures(value));

    /// <summary>A copy of <paramref name="value"/> without <c>signatures</c> and <c>unsigned</c>: what is signed, and what
    /// a new signature of another key is uploaded on.</summary>
    public static JsonObject WithoutSignatures(JsonObject value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var signed = new JsonObject();
        foreach (var (key, member) in value)
        {
            if (key is not ("signatures" or "unsigned"))
            {
                signed[key] = member?.DeepClone();
            }
        }

        return signed;
    }

    /// <summary>Signs <paramref name="value"/> in place (other signatures are kept) and returns the signature.</summary>
    public static string Sign(JsonObject value, string entity, string keyId, Ed25519KeyPair key)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(key);
        var signature = UnpaddedBase64.Encode(key.Sign(SigningBytes(value)));
        var signatures = Child(value, "signatures");
        Child(signatures, entity)[keyId] = signature;
        return signature;
    }

    /// <summary>True when <paramref name="value"/> carries a valid signature by <paramref name="publicKey"/> (unpadded
    /// base64) under <c>signatures.{entity}.{keyId}</c>.</summary>
    public static bool Verify(JsonObject value, string entity, string keyId, string publicKey)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value["signatures"] is JsonObject signatures &&
               signatures[entity] is JsonObject byEntity &&
               byEntity[keyId] is JsonValue signature &&
               signature.GetValueKind() == JsonValueKind.String &&
               Ed25519KeyPair.Verify(publicKey, SigningBytes(value), signature.GetValue<string>());
    }

    private static JsonObject Child(JsonObject parent, string name) => parent[name] switch
    {
        JsonObject existing => existing,
        null => (JsonObject)(parent[name] = new JsonObject()),
        _ => throw new CryptoException(CryptoFailure.BadEncoding, $"'{name}' is not an object"),
    };
}
