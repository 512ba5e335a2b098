namespace Solti.Matrix.Homeserver.Mas;

/// <summary>Who calls the admin API: an OAuth 2.0 client (client credentials) or a personal session's actor.</summary>
public sealed record MasCaller(MasTokenInfo Token)
{
    public string? ClientId => Token.Token.Kind == MasTokenKind.OAuth2 ? Token.ClientId : null;

    public string? UserId => Token.Token.Kind == MasTokenKind.Personal ? Token.User?.Id : null;
}

/// <summary>Maps admin API endpoints under <c>/api/admin/v1</c>, each behind MAS's admin authentication: a bearer token
/// (OAuth 2.0 or personal) whose session has <c>urn:mas:admin</c>; the failures are MAS's 400s and 401s
/// (docs/design/mas-facts.md §3.2).</summary>
public static class MasAdminApi
{
    public static void MapAdmin(this IEndpointRouteBuilder routes, string method, string path, string label, Func<RequestScope, MasCaller, Reply> handler) =>
        routes.Map(method, JsonApi.Base + path, "mas.admin." + label, AuthMode.None, scope => handler(scope, Authenticate(scope)));

    private static MasCaller Authenticate(RequestScope scope)
    {
        string? header = scope.Context.Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header))
        {
            throw MasErrors.BadRequest("Missing authorization header");
        }

        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header[7..].Trim() is not { Length: > 0 } token)
        {
            throw MasErrors.BadRequest("Invalid authorization header");
        }

        var state = scope.State;
        if (!state.Data.Mas.AccessTokens.TryGetValue(token, out var record))
        {
            throw Unauthorized("Unknown access token");
        }

        if (record.Kind == MasTokenKind.Compat)
        {
            throw Unauthorized("Invalid type of access token");
        }

        var info = MasIntrospection.Resolve(state, token) ?? throw Unauthorized("Unknown access token");
        switch (info.Problem)
        {
            case MasTokenProblem.Expired:
                throw Unauthorized("Access token expired");
            case MasTokenProblem.Revoked:
                throw Unauthorized("Access token revoked");
            case MasTokenProblem.UserDeactivated:
            case MasTokenProblem.UserLocked when record.Kind != MasTokenKind.Personal: // a personal session's actor may be locked
                throw Unauthorized("User locked");
        }

        if (!info.Scope.Contains(MasScopes.MasAdmin))
        {
            throw Unauthorized("Missing urn:mas:admin scope");
        }

        var (address, userAgent) = AccessTokenAuthenticator.Origin(scope.Context);
        MasIntrospection.Touch(state, record, address, userAgent);
        return new MasCaller(info);
    }

    private static HomeserverErrorException Unauthorized(string title) => MasErrors.Admin(401, title);
}
