namespace Solti.Matrix.Homeserver.Media;

/// <summary>One uploaded file's metadata, as Synapse's <c>local_media_repository</c> row keeps it; the bytes are in
/// <see cref="MediaFiles"/>.</summary>
public sealed class MediaRecord
{
    public string MediaId { get; set; } = "";

    /// <summary>The upload's <c>Content-Type</c> header (<c>application/octet-stream</c> without one).</summary>
    public string ContentType { get; set; } = "application/octet-stream";

    /// <summary>The upload's <c>filename</c> query parameter, when it was not empty.</summary>
    public string? UploadName { get; set; }

    public long Length { get; set; }

    public long CreatedTs { get; set; }

    public string UserId { get; set; } = "";

    /// <summary>Uploaded while media was authenticated (<see cref="Configuration.Compatibility.AuthenticatedMedia"/>):
    /// the unauthenticated download refuses it, as Synapse's <c>authenticated</c> column.</summary>
    public bool Authenticated { get; set; }

    /// <summary>When the medium was last downloaded (null: never), as Synapse's <c>last_access_ts</c>: delete-by-age
    /// compares it, or the creation time when never accessed.</summary>
    public long? LastAccessTs { get; set; }

    /// <summary>The admin who quarantined it (null: not quarantined): downloads answer 404 as for unknown media.</summary>
    public string? QuarantinedBy { get; set; }

    /// <summary>Protected: quarantine (by id, room or user) and delete-by-age leave it alone.</summary>
    public bool SafeFromQuarantine { get; set; }

    /// <summary>The bytes' SHA-256 (hex), as Synapse records since 1.128.</summary>
    public string? Sha256 { get; set; }
}
