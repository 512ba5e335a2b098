namespace Solti.Matrix.Homeserver.Mas;

/// <summary>What a MAS token belongs to.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<MasTokenKind>))]
public enum MasTokenKind
{
    Compat,
    OAuth2,
    Personal,
}

/// <summary>An access token MAS issued, and the session it belongs to.</summary>
public sealed class MasAccessToken
{
    public required string Token { get; set; }
    public MasTokenKind Kind { get; set; }
    public required string SessionId { get; set; }

    /// <summary>A number Synapse's requester carries (its transaction-id scope for device-less tokens).</summary>
    public long TokenId { get; set; }

    public long CreatedAtMs { get; set; }

    /// <summary>Null never expires.</summary>
    public long? ExpiresAtMs { get; set; }

    /// <summary>Revoked (replaced on refresh or regenerate); the token is then unknown.</summary>
    public bool Revoked { get; set; }
}

/// <summary>A compat refresh token; using it consumes it.</summary>
public sealed class MasRefreshToken
{
    public required string Token { get; set; }
    public required string SessionId { get; set; }
    public required string AccessToken { get; set; }
    public bool Consumed { get; set; }
}
