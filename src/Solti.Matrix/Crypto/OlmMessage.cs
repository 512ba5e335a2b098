namespace Solti.Matrix.Crypto;

/// <summary>The two kinds of Olm message, as the <c>type</c> of an <c>m.room.encrypted</c> to-device ciphertext.</summary>
public enum OlmMessageType
{
    /// <summary>Sent until the session has received a message: carries what the recipient needs to create the session.</summary>
    PreKey = 0,

    /// <summary>Sent once the session is established.</summary>
    Normal = 1,
}

/// <summary>An Olm message as it travels: its type and its bytes in unpadded base64 (<c>{"type": 0, "body": "..."}</c>).</summary>
public sealed record OlmMessage(OlmMessageType Type, string Body)
{
    /// <summary>The <c>{"type", "body"}</c> object of a to-device ciphertext.</summary>
    public JsonObject ToJson() => new() { ["type"] = (int)Type, ["body"] = Body };

    /// <summary>The message of a <c>{"type", "body"}</c> object; <see cref="CryptoException"/> when it is not one.</summary>
    public static OlmMessage FromJson(JsonNode? value) =>
        value is JsonObject obj &&
        obj["type"] is JsonValue type && type.GetValueKind() == JsonValueKind.Number && type.ToJsonString() is "0" or "1" &&
        obj["body"] is JsonValue body && body.GetValueKind() == JsonValueKind.String
            ? new OlmMessage(type.ToJsonString() == "0" ? OlmMessageType.PreKey : OlmMessageType.Normal, body.GetValue<string>())
            : throw new CryptoException(CryptoFailure.BadEncoding, "an Olm ciphertext is {\"type\": 0 or 1, \"body\": \"...\"}");
}
