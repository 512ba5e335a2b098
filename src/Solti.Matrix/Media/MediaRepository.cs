using System.Globalization;
using System.Net.Http.Headers;
using Solti.Matrix.Identifiers;
using Solti.Matrix.Sessions;

namespace Solti.Matrix.Media;

/// <summary>The homeserver's media repository as a client uses it, through the client's session (its token, renewed
/// when refused; the pipeline's retries and budget): uploads streamed from their source with their length declared
/// (<c>POST /_matrix/media/v3/upload</c>), the upload size limit (<c>GET /_matrix/client/v1/media/config</c>, else
/// <c>/_matrix/media/v3/config</c> where the first is not served; asked once for the life of the client), and downloads
/// streamed to a destination (<c>/_matrix/client/v1/media/download</c> with the token, else
/// <c>/_matrix/media/v3/download</c> where authenticated media is not served: Synapse before 1.111).</summary>
public sealed class MediaRepository(MatrixSession session)
{
    private const string ClientMedia = "_matrix/client/v1/media";
    private const string LegacyMedia = "_matrix/media/v3";

    private long? _limit;
    private bool _limitKnown;

    /// <summary>The largest upload the homeserver takes, in bytes (<c>m.upload.size</c>); null when it does not say
    /// (no config endpoint is served, or it names no limit). Asked once for the life of this repository.</summary>
    public async Task<long?> UploadLimitAsync(CancellationToken cancellationToken = default)
    {
        if (_limitKnown)
        {
            return _limit;
        }

        JsonNode? config;
        try
        {
            config = await session.SendAsync(MatrixRequest.Get(ClientMedia + "/config"), cancellationToken);
        }
        catch (MatrixException e) when (e.IsUnrecognized)
        {
            try
            {
                config = await session.SendAsync(MatrixRequest.Get(LegacyMedia + "/config"), cancellationToken);
            }
            catch (MatrixException legacy) when (legacy.IsUnrecognized)
            {
                config = null;
            }
        }

        _limit = config?["m.upload.size"] is JsonValue v && v.TryGetValue<long>(out var size) && size > 0 ? size : null;
        _limitKnown = true;
        return _limit;
    }

    /// <summary>Fails with a final <see cref="MatrixException"/> (413 <c>M_TOO_LARGE</c>, nothing uploaded) naming
    /// <paramref name="name"/> and both sizes when <paramref name="length"/> bytes are over the homeserver's limit
    /// (<see cref="UploadLimitAsync"/>).</summary>
    public async Task CheckSizeAsync(string name, long length, CancellationToken cancellationToken = default)
    {
        if (await UploadLimitAsync(cancellationToken) is { } limit && length > limit)
        {
            throw new MatrixException(413, MatrixErrorCodes.TooLarge,
                $"the attachment {name} is {Bytes(length)}, over the homeserver's upload limit of {Bytes(limit)} (m.upload.size): nothing was uploaded or sent");
        }
    }

    /// <summary>Before anything of a send goes out: every attachment readable (an <see cref="ArgumentException"/> naming
    /// <paramref name="option"/> and the path) and within the homeserver's limit (<see cref="CheckSizeAsync"/>).</summary>
    public async Task CheckAllAsync(IEnumerable<Attachment> attachments, string option, CancellationToken cancellationToken = default)
    {
        foreach (var attachment in attachments)
        {
            await CheckSizeAsync(attachment.Name, attachment.Check(option), cancellationToken);
        }
    }

    /// <summary>Uploads what <paramref name="open"/> gives (a stream of <paramref name="length"/> bytes from its start,
    /// opened again for each attempt and disposed after it) as <paramref name="contentType"/>, named
    /// <paramref name="fileName"/> when given; answers its <c>mxc://</c> URL. The size limit is the caller's to check
    /// first (<see cref="CheckSizeAsync"/>); a server that refuses it anyway answers 413.</summary>
    public async Task<string> UploadAsync(Func<Stream> open, long length, string contentType, string? fileName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(open);
        var path = LegacyMedia + "/upload" + (string.IsNullOrEmpty(fileName) ? "" : "?filename=" + Uri.EscapeDataString(fileName));
        var request = new MatrixRequest(HttpMethod.Post, path)
        {
            Content = () =>
            {
                var content = new StreamContent(open());
                content.Headers.ContentLength = length;
                content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
                return content;
            },
        };
        var reply = await session.SendAsync(request, cancellationToken);
        var uri = reply["content_uri"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        return uri is not null && TryParse(uri, out _, out _)
            ? uri
            : throw new MatrixException(200, MatrixErrorCodes.BadResponse, "the upload answered without an mxc:// content_uri");
    }

    /// <summary>Writes the media <paramref name="mxcUrl"/> names to <paramref name="destination"/> as it arrives; an
    /// attempt that breaks off starts over, the destination put back where it was (a destination that cannot seek
    /// fails then instead).</summary>
    public async Task DownloadAsync(string mxcUrl, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (!TryParse(mxcUrl, out var server, out var mediaId))
        {
            throw new ArgumentException($"{mxcUrl} is not an mxc:// URL (mxc://server/media-id)", nameof(mxcUrl));
        }

        var start = destination.CanSeek ? destination.Position : 0;
        var written = false;
        async Task ReadAsync(Stream body, CancellationToken token)
        {
            if (written)
            {
                if (!destination.CanSeek)
                {
                    throw new IOException($"the download of {mxcUrl} broke off and its destination cannot start over");
                }

                destination.Position = start;
                destination.SetLength(start);
            }

            written = true;
            await body.CopyToAsync(destination, token);
        }

        var parts = new PathPart[] { "download", PathPart.Value(server), PathPart.Value(mediaId) };
        try
        {
            await session.SendAsync(new MatrixRequest(HttpMethod.Get, MatrixPath.Build(ClientMedia, parts)) { ReadBody = ReadAsync }, cancellationToken);
        }
        catch (MatrixException e) when (e.IsUnrecognized)
        {
            await session.SendAsync(new MatrixRequest(HttpMethod.Get, MatrixPath.Build(LegacyMedia, parts)) { ReadBody = ReadAsync }, cancellationToken);
        }
    }

    /// <summary>The media <paramref name="mxcUrl"/> names, in memory (<see cref="DownloadAsync(string, Stream, CancellationToken)"/>).</summary>
    public async Task<byte[]> DownloadAsync(string mxcUrl, CancellationToken cancellationToken = default)
    {
        using var buffer = new MemoryStream();
        await DownloadAsync(mxcUrl, buffer, cancellationToken);
        return buffer.ToArray();
    }

    /// <summary>The server name and media id of <c>mxc://server/media-id</c> (the server name by Matrix's grammar, the
    /// id of letters, digits, <c>_</c> and <c>-</c>).</summary>
    public static bool TryParse(string? mxcUrl, out string server, out string mediaId)
    {
        server = mediaId = "";
        const string Scheme = "mxc://";
        if (mxcUrl is null || !mxcUrl.StartsWith(Scheme, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = mxcUrl[Scheme.Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == rest.Length - 1)
        {
            return false;
        }

        var (host, id) = (rest[..slash], rest[(slash + 1)..]);
        if (MatrixId.Problem(MatrixIdKind.ServerName, host) is not null || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
        {
            return false;
        }

        (server, mediaId) = (host, id);
        return true;
    }

    private static string Bytes(long n) => n.ToString("N0", CultureInfo.InvariantCulture) + " bytes";
}
