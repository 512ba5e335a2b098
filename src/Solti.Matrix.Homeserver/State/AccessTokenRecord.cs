namespace Solti.Matrix.Homeserver.State;

public sealed class AccessTokenRecord
{
    public required string Token { get; set; }
    public required long Id { get; set; }
    public required string UserId { get; set; }

    /// <summary>Null for device-less tokens (admin login-as-user).</summary>
    public string? DeviceId { get; set; }

    /// <summary>Absolute expiry in ms since the epoch; null never expires.</summary>
    public long? ValidUntilMs { get; set; }

    /// <summary>The refresh token issued with this access token, if any.</summary>
    public string? RefreshToken { get; set; }

    public bool Used { get; set; }
}
