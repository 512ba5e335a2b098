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
}
