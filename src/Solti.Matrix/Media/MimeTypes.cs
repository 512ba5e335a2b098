namespace Solti.Matrix.Media;

/// <summary>The media type of an attachment from its file name's extension, when none was given: the common types of
/// what a bot attaches (logs, reports, archives, images); anything else is <c>application/octet-stream</c>.</summary>
public static class MimeTypes
{
    /// <summary>What an attachment with no type and no known extension is sent as.</summary>
    public const string Default = "application/octet-stream";

    private static readonly Dictionary<string, string> ByExtension = new(StringComparer.OrdinalIgnoreCase)
    {
        [".txt"] = "text/plain", [".log"] = "text/plain", [".text"] = "text/plain", [".md"] = "text/markdown",
        [".csv"] = "text/csv", [".tsv"] = "text/tab-separated-values", [".html"] = "text/html", [".htm"] = "text/html",
        [".css"] = "text/css", [".xml"] = "application/xml", [".json"] = "application/json", [".yaml"] = "application/yaml",
        [".yml"] = "application/yaml", [".toml"] = "application/toml", [".ini"] = "text/plain", [".conf"] = "text/plain",
        [".diff"] = "text/x-diff", [".patch"] = "text/x-diff", [".sh"] = "application/x-sh", [".py"] = "text/x-python",
        [".pdf"] = "application/pdf", [".zip"] = "application/zip", [".gz"] = "application/gzip", [".tgz"] = "application/gzip",
        [".tar"] = "application/x-tar", [".bz2"] = "application/x-bzip2", [".xz"] = "application/x-xz", [".zst"] = "application/zstd",
        [".7z"] = "application/x-7z-compressed", [".png"] = "image/png", [".jpg"] = "image/jpeg", [".jpeg"] = "image/jpeg",
        [".gif"] = "image/gif", [".webp"] = "image/webp", [".svg"] = "image/svg+xml", [".bmp"] = "image/bmp",
        [".ico"] = "image/vnd.microsoft.icon", [".avif"] = "image/avif", [".tif"] = "image/tiff", [".tiff"] = "image/tiff",
        [".mp3"] = "audio/mpeg", [".ogg"] = "audio/ogg", [".wav"] = "audio/wav", [".flac"] = "audio/flac",
        [".mp4"] = "video/mp4", [".webm"] = "video/webm", [".mov"] = "video/quicktime",
        [".doc"] = "application/msword", [".docx"] = "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        [".xls"] = "application/vnd.ms-excel", [".xlsx"] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        [".odt"] = "application/vnd.oasis.opendocument.text", [".ods"] = "application/vnd.oasis.opendocument.spreadsheet",
        [".pem"] = "application/x-pem-file", [".crt"] = "application/x-x509-ca-cert",
    };

    /// <summary>The type of a file named <paramref name="fileName"/>, by its extension; <see cref="Default"/> when unknown.</summary>
    public static string Guess(string fileName) => ByExtension.GetValueOrDefault(Path.GetExtension(fileName), Default);
}
