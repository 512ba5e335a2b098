using Solti.Matrix.Sending;

namespace Solti.Matrix.Media;

/// <summary>The <c>m.room.message</c> content of an attachment: <c>msgtype</c> <c>m.image</c> for an image, else
/// <c>m.file</c>; <c>body</c> and <c>filename</c> the attachment's name; <c>info: {mimetype, size}</c>; the media as
/// <c>url</c> (an <c>mxc://</c> URL, in a room that is not encrypted) or <c>file</c> (the spec's <c>EncryptedFile</c>,
/// in an encrypted one, whose event is itself encrypted); <c>m.relates_to</c> when given.</summary>
public static class AttachmentContent
{
    /// <summary>The content of <paramref name="attachment"/> of <paramref name="size"/> bytes, uploaded as
    /// <paramref name="url"/> or, encrypted, described by <paramref name="file"/> (exactly one of them).</summary>
    public static JsonObject Build(Attachment attachment, long size, string? url, JsonObject? file, JsonObject? relatesTo)
    {
        ArgumentNullException.ThrowIfNull(attachment);
        if ((url is null) == (file is null))
        {
            throw new ArgumentException("an attachment's content has exactly one of url and file");
        }

        var content = new JsonObject
        {
            ["msgtype"] = attachment.MsgType,
            ["body"] = attachment.Name,
            ["filename"] = attachment.Name,
            ["info"] = new JsonObject { ["mimetype"] = attachment.Mimetype, ["size"] = size },
        };
        if (file is not null)
        {
            content["file"] = file.DeepClone();
        }
        else
        {
            content["url"] = url;
        }

        if (relatesTo is not null)
        {
            content["m.relates_to"] = relatesTo.DeepClone();
        }

        return content;
    }

    /// <summary>A thread's <c>m.relates_to</c> under <paramref name="rootEventId"/> for a client that does not show
    /// threads: <c>{rel_type: "m.thread", event_id, is_falling_back: true, m.in_reply_to: {event_id}}</c> (a reply to the
    /// root).</summary>
    public static JsonObject InThreadOf(string rootEventId) => Relations.RelatesTo(RelationKind.Thread, rootEventId);
}

/// <summary>An attachment sent: its event (<see cref="SendResult"/>, <c>Encrypted</c> when the event went out
/// Megolm-encrypted), its media's <c>mxc://</c> URL, whether the file itself was encrypted (an <c>EncryptedFile</c>)
/// and its size. Never the file's key.</summary>
public sealed record AttachmentSent(SendResult Event, string ContentUri, bool FileEncrypted, long Size, string MsgType);
