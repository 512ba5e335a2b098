namespace Solti.Matrix.Media;

/// <summary>A file to send into a room: a file on disk (read when it is sent, not before) or content given inline,
/// with the name readers see and its media type (from the name's extension when not given; <c>text/plain</c> for inline
/// content). An <c>image/*</c> goes as <c>m.image</c>, anything else as <c>m.file</c>.</summary>
public sealed class Attachment
{
    private readonly byte[]? _content;

    private Attachment(string? path, byte[]? content, string name, string mimetype)
    {
        Path = path;
        _content = content;
        Name = name;
        Mimetype = mimetype;
    }

    /// <summary>The file at <paramref name="path"/>, named <paramref name="name"/> (default: the path's file name), of
    /// type <paramref name="mimetype"/> (default: guessed from the name, <see cref="MimeTypes.Guess"/>).</summary>
    public static Attachment FromFile(string path, string? name = null, string? mimetype = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var shown = string.IsNullOrEmpty(name) ? System.IO.Path.GetFileName(path) : name;
        if (string.IsNullOrEmpty(shown))
        {
            throw new ArgumentException($"the attachment {path} has no file name: give it a name", nameof(name));
        }

        return new Attachment(path, null, shown, string.IsNullOrEmpty(mimetype) ? MimeTypes.Guess(shown) : mimetype);
    }

    /// <summary>Inline <paramref name="content"/> named <paramref name="name"/>, of type <paramref name="mimetype"/>
    /// (default <c>text/plain</c>).</summary>
    public static Attachment FromContent(byte[] content, string name, string? mimetype = null)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentException.ThrowIfNullOrEmpty(name);
        return new Attachment(null, content, name, string.IsNullOrEmpty(mimetype) ? "text/plain" : mimetype);
    }

    /// <summary>Inline text, sent as its UTF-8 bytes (<see cref="FromContent(byte[], string, string?)"/>).</summary>
    public static Attachment FromContent(string content, string name, string? mimetype = null) =>
        FromContent(System.Text.Encoding.UTF8.GetBytes(content ?? throw new ArgumentNullException(nameof(content))), name, mimetype);

    /// <summary>The file's path; null for inline content.</summary>
    public string? Path { get; }

    /// <summary>The name readers see (<c>body</c> and <c>filename</c>).</summary>
    public string Name { get; }

    /// <summary>The media type (<c>info.mimetype</c>).</summary>
    public string Mimetype { get; }

    /// <summary><c>m.image</c> for an <c>image/*</c> type, else <c>m.file</c>.</summary>
    public string MsgType => Mimetype.StartsWith("image/", StringComparison.OrdinalIgnoreCase) ? "m.image" : "m.file";

    /// <summary>The content as a stream from its start (the file opened for reading) and its length now.</summary>
    public (Stream Stream, long Length) Open()
    {
        if (_content is not null)
        {
            return (new MemoryStream(_content, writable: false), _content.Length);
        }

        var stream = new FileStream(Path!, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        return (stream, stream.Length);
    }

    /// <summary>Fails now when the content cannot be read (a missing or unreadable file), with an
    /// <see cref="ArgumentException"/> naming <paramref name="what"/> (the option it came from) and the path; else its
    /// length.</summary>
    public long Check(string what)
    {
        try
        {
            var (stream, length) = Open();
            stream.Dispose();
            return length;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"{what} {Path}: cannot be read: {e.Message}", e);
        }
    }

    /// <summary>The name and type; never the content.</summary>
    public override string ToString() => $"{Name} ({Mimetype})";
}
