using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Solti.Matrix.Homeserver.Configuration;

namespace Solti.Matrix.Homeserver.Mas;

/// <summary>MAS's OAuth 2.0 endpoints at the server's root: discovery, the client-credentials grant, introspection
/// (RFC 7662) and revocation (RFC 7009), with MAS's client authentication (docs/design/mas-facts.md §3.2).</summary>
public static class MasOAuthEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.Map("GET", "/.well-known/openid-configuration", "mas.discovery", AuthMode.None, scope =>
        {
            var mas = scope.State.Options.AuthenticationService!;
            return Reply.Ok(mas.Metadata(mas.IssuerFor(scope.Context.Request)));
        });
        routes.Map("POST", "/oauth2/token", "mas.oauth2.token", AuthMode.None, Token);
        routes.Map("POST", "/oauth2/introspect", "mas.oauth2.introspect", AuthMode.None, Introspect);
        routes.Map("POST", "/oauth2/revoke", "mas.oauth2.revoke", AuthMode.None, Revoke);
    }

    /// <summary><c>grant_type=client_credentials</c> only: a token for the client itself, no refresh token.</summary>
    private static Reply Token(RequestScope scope)
    {
        var form = Form(scope);
        var mas = scope.State.Options.AuthenticationService!;
        var client = Authenticate(scope, form, mas);
        var grant = form.GetValueOrDefault("grant_type") ?? throw MasErrors.OAuth(400, "invalid_request", "Missing grant_type");
        if (grant != "client_credentials")
        {
            throw MasErrors.OAuth(400, "unsupported_grant_type", $"Unsupported grant type {grant}");
        }

        var requested = MasScopes.Parse(form.GetValueOrDefault("scope")) ?? throw MasErrors.OAuth(400, "invalid_scope", "Invalid scope");
        if (requested.Contains(MasScopes.MasAdmin) && !mas.IsAdminClient(client.ClientId))
        {
            throw MasErrors.OAuth(403, "invalid_scope", $"client {client.ClientId} is not allowed to request {MasScopes.MasAdmin}");
        }

        var session = new MasOAuth2Session
        {
            Id = Ulid.Next(scope.State),
            ClientId = client.ClientId,
            Scope = MasScopes.Join(requested),
            CreatedAtMs = scope.State.NowMs,
        };
        scope.State.Data.Mas.OAuth2Sessions[session.Id] = session;
        var token = MasTokens.IssueOAuth2(scope.State, session);
        var reply = new JsonObject
        {
            ["access_token"] = token.Token,
            ["token_type"] = "Bearer",
            ["expires_in"] = (long)mas.AccessTokenTtl.TotalSeconds,
        };
        if (requested.Count > 0)
        {
            reply["scope"] = session.Scope;
        }

        return Reply.Ok(reply);
    }

    private static Reply Introspect(RequestScope scope)
    {
        var form = Form(scope);
        var mas = scope.State.Options.AuthenticationService!;
        Authenticate(scope, form, mas);
        var token = form.GetValueOrDefault("token") ?? throw MasErrors.OAuth(400, "invalid_request", "Missing token");
        return Reply.Ok(MasIntrospection.Describe(scope.State, token, mas.IssuerFor(scope.Context.Request)));
    }

    /// <summary>Ends the session of the token; an unknown token is no error (RFC 7009).</summary>
    private static Reply Revoke(RequestScope scope)
    {
        var form = Form(scope);
        Authenticate(scope, form, scope.State.Options.AuthenticationService!);
        var token = form.GetValueOrDefault("token") ?? throw MasErrors.OAuth(400, "invalid_request", "Missing token");
        var state = scope.State;
        var mas = state.Data.Mas;
        if (MasIntrospection.Resolve(state, token) is { Active: true } info)
        {
            switch (info.Token.Kind)
            {
                case MasTokenKind.Compat:
                    MasSessions.FinishCompat(state, mas.CompatSessions[info.Token.SessionId]);
                    break;
                case MasTokenKind.OAuth2:
                    MasSessions.FinishOAuth2(state, mas.OAuth2Sessions[info.Token.SessionId]);
                    break;
                case MasTokenKind.Personal:
                    MasSessions.RevokePersonal(state, mas.PersonalSessions[info.Token.SessionId]);
                    break;
            }
        }

        return Reply.Empty();
    }

    /// <summary>The client, authenticated the way it is configured to (<c>client_secret_basic</c>: an HTTP Basic header;
    /// <c>client_secret_post</c>: form fields); anything else is 401 <c>invalid_client</c>.</summary>
    private static MasClient Authenticate(RequestScope scope, Dictionary<string, string> form, DelegatedAuthentication mas)
    {
        string? method = null, id = null, secret = null;
        string? header = scope.Context.Request.Headers.Authorization;
        if (header is not null && header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
            }
            catch (FormatException)
            {
                throw MasErrors.InvalidClient();
            }

            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                throw MasErrors.InvalidClient();
            }

            (method, id, secret) = (MasClient.SecretBasic, FormDecode(decoded[..colon]), FormDecode(decoded[(colon + 1)..]));
            if (form.GetValueOrDefault("client_id") is { } formId && formId != id)
            {
                throw MasErrors.InvalidClient();
            }
        }
        else if (form.GetValueOrDefault("client_id") is { } formId)
        {
            (method, id, secret) = (form.ContainsKey("client_secret") ? MasClient.SecretPost : "none", formId, form.GetValueOrDefault("client_secret"));
        }

        var client = mas.Clients.FirstOrDefault(c => c.ClientId == id);
        if (client is null || client.AuthMethod != method || !FixedEquals(client.ClientSecret, secret))
        {
            throw MasErrors.InvalidClient();
        }

        return client;
    }

    private static Dictionary<string, string> Form(RequestScope scope)
    {
        var raw = Encoding.UTF8.GetString(scope.RawBody);
        return QueryHelpers.ParseQuery(raw.Length == 0 ? "" : "?" + raw).ToDictionary(p => p.Key, p => p.Value.ToString(), StringComparer.Ordinal);
    }

    private static string FormDecode(string value) => Uri.UnescapeDataString(value.Replace('+', ' '));

    private static bool FixedEquals(string expected, string? actual) =>
        actual is not null && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(actual));
}
