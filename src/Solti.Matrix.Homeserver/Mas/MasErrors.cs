namespace Solti.Matrix.Homeserver.Mas;

/// <summary>Errors in MAS's shapes: the admin API's <c>{"errors":[{"title":…}]}</c> and OAuth 2.0's
/// <c>{"error":…,"error_description"?:…}</c> (docs/design/mas-facts.md §3, §5).</summary>
public static class MasErrors
{
    public static HomeserverErrorException Admin(int status, string title) =>
        new(status, "", title) { Body = new JsonObject { ["errors"] = new JsonArray(new JsonObject { ["title"] = title }) } };

    public static HomeserverErrorException BadRequest(string title) => Admin(400, title);

    public static HomeserverErrorException NotFound(string title) => Admin(404, title);

    public static HomeserverErrorException InvalidUlid() => BadRequest("Invalid ULID in path");

    public static HomeserverErrorException UserNotFound(string id) => NotFound($"User ID {id} not found");

    public static HomeserverErrorException OAuth(int status, string error, string? description = null)
    {
        var body = new JsonObject { ["error"] = error };
        if (description is not null)
        {
            body["error_description"] = description;
        }

        return new HomeserverErrorException(status, "", description ?? error) { Body = body };
    }

    public static HomeserverErrorException InvalidClient() => OAuth(401, "invalid_client", "Client authentication failed");
}
