namespace Solti.Matrix.Homeserver.Mas;

/// <summary>A personal session (personal access token, <c>mpt_…</c>) minted through the admin API: it acts as
/// <see cref="ActorUserId"/>, was minted by <see cref="OwnerClientId"/> or <see cref="OwnerUserId"/>.</summary>
public sealed class MasPersonalSession
{
    public required string Id { get; set; }
    public string? OwnerUserId { get; set; }
    public string? OwnerClientId { get; set; }
    public required string ActorUserId { get; set; }
    public string HumanName { get; set; } = "";
    public string Scope { get; set; } = "";
    public long CreatedAtMs { get; set; }
    public long? RevokedAtMs { get; set; }
    public long? LastActiveAtMs { get; set; }
    public string? LastActiveIp { get; set; }

    /// <summary>The current token; regenerating replaces it.</summary>
    public string? AccessToken { get; set; }
}
