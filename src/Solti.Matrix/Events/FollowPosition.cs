using System.Text;
using System.Text.Json.Serialization;
using Solti.Matrix.Storage;

namespace Solti.Matrix.Events;

/// <summary>Where a follower is in a room's timeline: the pagination token of the page it is reading
/// (<see cref="From"/>) and the last event of that page it has handled (<see cref="After"/>; null: none yet). Resuming
/// reads the page from <see cref="From"/> again and skips through <see cref="After"/>, so an event is neither
/// skipped nor handled twice, whenever the follower stopped. In an encrypted room, <see cref="Pending"/> lists the
/// events reported undecryptable whose key may still arrive (absent from files written before it: none).</summary>
public sealed record FollowPosition(
    [property: JsonPropertyName("room_id")] string RoomId,
    [property: JsonPropertyName("from")] string? From,
    [property: JsonPropertyName("after")] string? After,
    [property: JsonPropertyName("pending"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Pending = null)
{
    /// <summary>The default file of a position: under <see cref="StatePaths.FollowPositions"/>, named by a hash of the
    /// homeserver, the user and the room.</summary>
    public static string DefaultFile(Uri homeserver, string? userId, string roomId)
    {
        var key = homeserver.AbsoluteUri.TrimEnd('/') + "\n" + userId + "\n" + roomId;
        return Path.Combine(StatePaths.FollowPositions(), Convert.ToHexStringLower(Crypto.Primitives.Sha256(Encoding.UTF8.GetBytes(key)))[..16] + ".json");
    }

    /// <summary>The position saved in <paramref name="path"/>, or null when there is none (or it is of another room).</summary>
    public static FollowPosition? Load(string path, string roomId)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var saved = JsonSerializer.Deserialize(File.ReadAllBytes(path), FollowJsonContext.Default.FollowPosition);
        return saved?.RoomId == roomId ? saved : null;
    }

    /// <summary>Replaces the file at once (<see cref="PrivateFile.WriteAtomic"/>: a new 0600 file, flushed, renamed over it,
    /// in a 0700 directory): a reader, or a restart after a kill or a power loss, finds the old position or the new one,
    /// never half of one.</summary>
    public void Save(string path)
    {
        PrivateDirectory.Create(Path.GetDirectoryName(Path.GetFullPath(path))!);
        PrivateFile.WriteAtomic(path, stream => JsonSerializer.Serialize(stream, this, FollowJsonContext.Default.FollowPosition));
    }
}

[JsonSerializable(typeof(FollowPosition))]
internal sealed partial class FollowJsonContext : JsonSerializerContext;
