using System.Collections.Concurrent;

namespace Solti.Matrix.Homeserver.Media;

/// <summary>The bytes of uploaded media: one file per media id in <c>media/</c> beside <c>state.json</c> when the server
/// has a data directory (never inside the JSON state), else in memory. Used outside the state lock.</summary>
public sealed class MediaFiles(string? dataDirectory)
{
    private readonly ConcurrentDictionary<string, byte[]> _memory = new(StringComparer.Ordinal);

    private readonly string? _directory = dataDirectory is null ? null : Path.Combine(dataDirectory, "media");

    /// <summary>Stores the bytes before the metadata names them (a file through a temp file and a rename).</summary>
    public async Task WriteAsync(string mediaId, byte[] bytes, CancellationToken cancellation)
    {
        if (_directory is null)
        {
            _memory[mediaId] = bytes;
            return;
        }

        Directory.CreateDirectory(_directory);
        var path = Path.Combine(_directory, mediaId);
        await File.WriteAllBytesAsync(path + ".tmp", bytes, cancellation);
        File.Move(path + ".tmp", path, overwrite: true);
    }

    /// <summary>The stored bytes, or null when they are gone.</summary>
    public async Task<byte[]?> ReadAsync(string mediaId, CancellationToken cancellation)
    {
        if (_directory is null)
        {
            return _memory.GetValueOrDefault(mediaId);
        }

        var path = Path.Combine(_directory, mediaId);
        return File.Exists(path) ? await File.ReadAllBytesAsync(path, cancellation) : null;
    }

    /// <summary>Removes the stored bytes (nothing when they are already gone).</summary>
    public void Delete(string mediaId)
    {
        if (_directory is null)
        {
            _memory.TryRemove(mediaId, out _);
            return;
        }

        File.Delete(Path.Combine(_directory, mediaId));
    }
}
