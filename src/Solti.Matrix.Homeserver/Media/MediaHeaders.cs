namespace Solti.Matrix.Homeserver.Media;

/// <summary>The headers Synapse sends with downloaded media (<c>synapse/media/_base.py</c>, <c>add_file_headers</c>).</summary>
public static class MediaHeaders
{
    /// <summary>Types that get <c>; charset=UTF-8</c> when they name no charset (Synapse's <c>TEXT_CONTENT_TYPES</c>).</summary>
    private static readonly HashSet<string> TextTypes = new(StringComparer.Ordinal)
    {
        "text/css", "text/csv", "text/html", "text/calendar", "text/plain", "text/javascript", "application/json",
        "application/ld+json", "application/rtf", "image/svg+xml", "text/xml",
    };

    /// <summary>Types a browser may show inline (Synapse's <c>INLINE_CONTENT_TYPES</c> since 1.94; SVG deliberately not).</summary>
    private static readonly HashSet<string> InlineTypes = new(StringComparer.Ordinal)
    {
        "text/css", "text/plain", "text/csv", "application/json", "application/ld+json",
        "image/jpeg", "image/gif", "image/png", "image/apng", "image/webp", "image/avif",
        "video/mp4", "video/webm", "video/ogg", "video/quicktime",
        "audio/mp4", "audio/webm", "audio/aac", "audio/mpeg", "audio/ogg", "audio/wave", "audio/wav", "audio/x-wav",
        "audio/x-pn-wav", "audio/flac", "audio/x-flac",
    };

    /// <summary>RFC 2616 separators: a file name with one (or a control, space or non-ASCII character) is sent as
    /// <c>filename*=utf-8''…</c>, else as a bare token.</summary>
    private const string Separators = "()<>@,;:\\\"/[]?={}";

    /// <summary>Content-Type, Content-Disposition, Content-Length, caching and the sandboxing headers of a download.</summary>
    public static void Apply(HttpResponse response, MediaRecord media, string? fileName, bool legacy)
    {
        JsonResponses.AddSynapseHeaders(response);
        response.ContentType = TextTypes.Contains(media.ContentType.ToLowerInvariant()) ? media.ContentType + "; charset=UTF-8" : media.ContentType;
        if (Disposition(media.ContentType, fileName, legacy) is { } disposition)
        {
            response.Headers.ContentDisposition = disposition;
        }

        response.Headers.CacheControl = legacy ? "public,max-age=86400,s-maxage=86400" : "public,max-age=86400,s-maxage=0,proxy-revalidate";
        response.Headers["Content-Security-Policy"] = "sandbox; default-src 'none'; script-src 'none'; plugin-types application/pdf; style-src 'unsafe-inline'; media-src 'self'; object-src 'self';";
        response.Headers["X-Content-Security-Policy"] = "sandbox;";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers["Cross-Origin-Resource-Policy"] = "cross-origin";
        response.Headers["X-Robots-Tag"] = "noindex, nofollow, noarchive, noimageindex";
        response.ContentLength = media.Length;
    }

    /// <summary>1.67: <c>inline</c>, only with a file name. Current: <c>inline</c> for the safe types, else
    /// <c>attachment</c>, always sent; the file name as a token or RFC 5987 <c>filename*</c>.</summary>
    public static string? Disposition(string contentType, string? fileName, bool legacy)
    {
        if (legacy && string.IsNullOrEmpty(fileName))
        {
            return null;
        }

        var kind = legacy || InlineTypes.Contains(contentType.ToLowerInvariant().Split(';', 2)[0]) ? "inline" : "attachment";
        if (string.IsNullOrEmpty(fileName))
        {
            return kind;
        }

        return IsToken(fileName) ? $"{kind}; filename={fileName}" : $"{kind}; filename*=utf-8''{Quote(fileName)}";
    }

    private static bool IsToken(string name) => name.All(c => c > 32 && c < 127 && !Separators.Contains(c));

    /// <summary>Percent-encodes UTF-8 as Python's <c>urllib.parse.quote</c> (letters, digits, <c>_.-~/</c> kept).</summary>
    private static string Quote(string name)
    {
        var builder = new System.Text.StringBuilder();
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(name))
        {
            var c = (char)b;
            var keep = char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' or '~' or '/';
            builder.Append(keep ? c.ToString() : $"%{b:X2}");
        }

        return builder.ToString();
    }
}
