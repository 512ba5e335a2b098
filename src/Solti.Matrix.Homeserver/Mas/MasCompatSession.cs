namespace Solti.Matrix.Homeserver.Mas;

/// <summary>A session from the compatibility layer's <c>/login</c>: one Matrix device.</summary>
public sealed class MasCompatSession
{
    public required string Id { get; set; }
    public required string UserId { get; set; }
    public string? DeviceId { get; set; }
    public long CreatedAtMs { get; set; }
    public long? FinishedAtMs { get; set; }
    public long? LastActiveAtMs { get; set; }
    public string? LastActiveIp { get; set; }
    public string? UserAgent { get; set; }
    public string? HumanName { get; set; }

    /// <summary>Whether its tokens carry <c>urn:synapse:admin:*</c>; password logins are never.</summary>
    public bool IsSynapseAdmin { get; set; }
}
