namespace Solti.Matrix.Homeserver.Mas;

/// <summary>Admin API request bodies, with MAS-shaped 400s (<c>{"errors":[{"title":…}]}</c>) for bad ones.</summary>
public static class MasJson
{
    /// <summary>The JSON object body; an empty body is an empty object when <paramref name="optional"/>.</summary>
    public static JsonObject Body(RequestScope scope, bool optional = false)
    {
        if (optional && scope.RawBody.Length == 0)
        {
            return [];
        }

        try
        {
            return scope.Body;
        }
        catch (HomeserverErrorException e)
        {
            throw MasErrors.BadRequest("Invalid request body: " + e.Message);
        }
    }

    public static T Field<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (HomeserverErrorException e)
        {
            throw MasErrors.BadRequest("Invalid request body: " + e.Message);
        }
    }

    public static string? Text(JsonObject body, string key) => Field(() => Json.OptionalString(body, key));

    public static string RequiredString(JsonObject body, string key) =>
        Text(body, key) ?? throw MasErrors.BadRequest($"Invalid request body: missing field `{key}`");

    public static bool? Bool(JsonObject body, string key) => Field(() => Json.OptionalBool(body, key));

    public static long? Number(JsonObject body, string key) => Field(() => Json.OptionalLong(body, key));
}
