namespace Solti.Matrix.Accounts;

/// <summary>What a token is minted with: the device to bind it to (null: none on Synapse, a new one on MAS), how long it
/// lives (null: as long as the server allows), and what it is for (MAS names its session after it).</summary>
public sealed record TokenRequest(string? DeviceId = null, TimeSpan? ValidFor = null, string Purpose = "solti-matrix");

/// <summary>A minted token (<see cref="AccessToken"/> is a secret, never printed; null in a plan), the device it is bound
/// to (null: none) and when it expires (null: never, or not said).</summary>
public sealed record MintedToken(string? AccessToken, string? DeviceId, DateTimeOffset? ExpiresAt)
{
    /// <summary>The expiry in RFC 3339 (UTC, milliseconds), or null.</summary>
    public string? ExpiresAtText => ExpiresAt is { } at ? at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture) : null;

    /// <summary>Never prints the token.</summary>
    public override string ToString() => $"MintedToken {{ DeviceId = {DeviceId}, ExpiresAt = {ExpiresAtText} }}";
}
