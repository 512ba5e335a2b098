namespace Solti.Matrix.Homeserver.Configuration;

/// <summary>Synapse's <c>matrix_authentication_service</c> section: authentication is delegated to the Matrix
/// Authentication Service (MAS), emulated in-process at this server's root paths (<c>/oauth2/*</c>,
/// <c>/api/admin/v1/*</c>, <c>/.well-known/openid-configuration</c>) and serving <c>/login</c> through its compatibility
/// layer (password logins only with <paramref name="PasswordsEnabled"/>, MAS's <c>passwords.enabled</c>). The metadata
/// names <paramref name="Issuer"/>, or this server's own base URL when it is null. See docs/design/mas-facts.md.</summary>
public sealed record DelegatedAuthentication(Uri? Issuer = null, bool PasswordsEnabled = true)
{
    /// <summary>MAS's static OAuth 2.0 clients (its <c>clients</c> section): the client-credentials grant.</summary>
    public IReadOnlyList<MasClient> Clients { get; init; } = [];

    /// <summary>Client ids that may obtain <c>urn:mas:admin</c> (MAS's <c>policy.data.admin_clients</c>).</summary>
    public IReadOnlyList<string> AdminClients { get; init; } = [];

    /// <summary>Lifetime of compat access tokens from logins with <c>refresh_token: true</c> (MAS's
    /// <c>experimental.compat_token_ttl</c>); others never expire.</summary>
    public TimeSpan CompatTokenTtl { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>Lifetime of OAuth 2.0 access tokens (client credentials; MAS's <c>experimental.access_token_ttl</c>).</summary>
    public TimeSpan AccessTokenTtl { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>The issuer the metadata names: the configured one, else this server's base URL as the request reached it.</summary>
    public Uri IssuerFor(HttpRequest request) => Issuer ?? new Uri($"{request.Scheme}://{request.Host}/");

    /// <summary>Whether <paramref name="clientId"/> may ask for <c>urn:mas:admin</c>.</summary>
    public bool IsAdminClient(string clientId) => AdminClients.Contains(clientId, StringComparer.Ordinal);

    /// <summary>The endpoints (by label) that Synapse registers only when it delegates to MAS: discovery.</summary>
    private static readonly HashSet<string> OnlyWhenDelegating = new(StringComparer.Ordinal) { "auth_metadata" };

    /// <summary>The endpoints (by label) that Synapse does not register when it delegates to MAS: what MAS owns
    /// (shared-secret registration, login as a user, registration tokens, account validity). See docs/design/mas-facts.md §2.2.</summary>
    private static readonly HashSet<string> NotWhenDelegating = new(StringComparer.Ordinal)
    {
        "admin.register", "admin.register.nonce", "admin.users.login", "admin.account_validity",
        "admin.registration_tokens.list", "admin.registration_tokens.new", "admin.registration_tokens.get",
        "admin.registration_tokens.put", "admin.registration_tokens.delete",
    };

    /// <summary>Whether a Synapse with <paramref name="mas"/> (null: no delegation) registers the endpoint labelled
    /// <paramref name="label"/>; one it does not answers 404 <c>M_UNRECOGNIZED</c>, like any unknown path.</summary>
    public static bool Registers(DelegatedAuthentication? mas, string label) =>
        mas is null ? !OnlyWhenDelegating.Contains(label) && !label.StartsWith(MasPrefix, StringComparison.Ordinal) : !NotWhenDelegating.Contains(label);

    /// <summary>Labels of the MAS emulation's own endpoints start with this; they exist only when delegating.</summary>
    public const string MasPrefix = "mas.";

    /// <summary>What <c>GET /_matrix/client/v1/auth_metadata</c> answers: MAS's OAuth 2.0 server metadata (RFC 8414 with
    /// the Matrix additions), as Synapse passes it on unchanged.</summary>
    public JsonObject Metadata(Uri issuer)
    {
        string At(string path) => new Uri(issuer, path).ToString();
        JsonArray Values(params string[] values) => new([.. values.Select(v => (JsonNode)v)]);
        return new JsonObject
        {
            ["issuer"] = issuer.ToString(),
            ["authorization_endpoint"] = At("authorize"),
            ["token_endpoint"] = At("oauth2/token"),
            ["registration_endpoint"] = At("oauth2/registration"),
            ["revocation_endpoint"] = At("oauth2/revoke"),
            ["introspection_endpoint"] = At("oauth2/introspect"),
            ["device_authorization_endpoint"] = At("oauth2/device"),
            ["jwks_uri"] = At("oauth2/keys.json"),
            ["response_types_supported"] = Values("code", "id_token", "code id_token"),
            ["grant_types_supported"] = Values("authorization_code", "refresh_token", "client_credentials", "urn:ietf:params:oauth:grant-type:device_code"),
            ["response_modes_supported"] = Values("form_post", "query", "fragment"),
            ["code_challenge_methods_supported"] = Values("plain", "S256"),
            ["token_endpoint_auth_methods_supported"] = Values("client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt", "none"),
            ["prompt_values_supported"] = Values("create"),
            ["account_management_uri"] = At("account/"),
            ["account_management_actions_supported"] = Values("org.matrix.profile", "org.matrix.devices_list", "org.matrix.device_view", "org.matrix.device_delete", "org.matrix.account_deactivate", "org.matrix.cross_signing_reset"),
        };
    }

    /// <summary>MAS's answer to <c>GET /_matrix/client/v3/login</c>: SSO marked as the OAuth-aware way in, tokens, and the
    /// password flow only when passwords are enabled.</summary>
    public JsonObject LoginFlows()
    {
        var flows = new JsonArray();
        if (PasswordsEnabled)
        {
            flows.Add(new JsonObject { ["type"] = "m.login.password" });
        }

        flows.Add(new JsonObject { ["type"] = "m.login.sso", ["oauth_aware_preferred"] = true, ["org.matrix.msc3824.delegated_oidc_compatibility"] = true });
        flows.Add(new JsonObject { ["type"] = "m.login.token" });
        return new JsonObject { ["flows"] = flows };
    }
}
