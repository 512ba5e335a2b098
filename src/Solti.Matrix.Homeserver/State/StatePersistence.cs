using System.Text.Json;

namespace Solti.Matrix.Homeserver.State;

/// <summary>Keeps <see cref="ServerData"/> in <c>state.json</c> under the data directory, replaced atomically.</summary>
public sealed class StatePersistence(string directory)
{
    private readonly string _path = Path.Combine(directory, "state.json");

    public ServerData Load()
    {
        Directory.CreateDirectory(directory);
        if (!File.Exists(_path))
        {
            return new ServerData();
        }

        using var stream = File.OpenRead(_path);
        return JsonSerializer.Deserialize(stream, StateJsonContext.Default.ServerData)
            ?? throw new InvalidDataException($"{_path} holds no state");
    }

    /// <summary>Writes a temp file, flushes it to disk and renames it over the old one.</summary>
    public void Save(ServerData data)
    {
        var temp = _path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, data, StateJsonContext.Default.ServerData);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, _path, overwrite: true);
    }
}
