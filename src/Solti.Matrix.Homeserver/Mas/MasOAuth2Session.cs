namespace Solti.Matrix.Homeserver.Mas;

/// <summary>An OAuth 2.0 session; the emulation grants client credentials only, so <see cref="UserId"/> stays null.</summary>
public sealed class MasOAuth2Session
{
    public required string Id { get; set; }
    public required string ClientId { get; set; }
    public string? UserId { get; set; }
    public string Scope { get; set; } = "";
    public long CreatedAtMs { get; set; }
    public long? FinishedAtMs { get; set; }
    public long? LastActiveAtMs { get; set; }
    public string? LastActiveIp { get; set; }
    public string? UserAgent { get; set; }
}
