namespace Solti.Matrix.Homeserver.State;

public sealed class RefreshTokenRecord
{
    public required string Token { get; set; }
    public required string UserId { get; set; }
    public required string DeviceId { get; set; }

    /// <summary>The refresh token that replaced this one; once that pair is used, this one dies.</summary>
    public string? Next { get; set; }
}
