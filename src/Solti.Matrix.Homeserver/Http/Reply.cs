namespace Solti.Matrix.Homeserver.Http;

/// <summary>What an endpoint answers: a status and a JSON body.</summary>
public sealed record Reply(int Status, JsonNode Body)
{
    public static Reply Ok(JsonNode body) => new(200, body);

    public static Reply Empty() => new(200, new JsonObject());
}
