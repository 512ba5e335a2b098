using System.Text;

namespace Solti.Matrix.Outbox;

/// <summary>A queued event's file: a private copy beside the outbox (never in SQLite), with the name and media type
/// readers will see. Delivery uploads it (encrypted first in an encrypted room) and sends it as <c>m.file</c> or
/// <c>m.image</c>; the copy is deleted once delivered, or when a dead entry is purged.</summary>
public sealed record OutboxAttachment(string File, string Name, string Mimetype)
{
    /// <summary>Stored with an outbox entry.</summary>
    public string ToJson() => new JsonObject { ["file"] = File, ["name"] = Name, ["mimetype"] = Mimetype }.ToJsonString();

    /// <summary>Read from an outbox entry.</summary>
    public static OutboxAttachment? FromJson(string? json) =>
        json is null || JsonNode.Parse(json) is not JsonObject o
            ? null
            : new(o["file"]!.GetValue<string>(), o["name"]!.GetValue<string>(), o["mimetype"]!.GetValue<string>());
}

/// <summary>The files of queued attachments: <c>attachments/</c> beside the database, 0700, each file 0600, written
/// atomically and synced before its entry is committed.</summary>
public sealed partial class OutboxStore
{
    /// <summary>Where queued attachments' files are kept.</summary>
    public string AttachmentDirectory => System.IO.Path.Combine(System.IO.Path.GetDirectoryName(Path)!, "attachments");

    /// <summary>Copies <paramref name="open"/>'s bytes to a private file named after <paramref name="transactionId"/> (the
    /// same transaction id is the same file) and returns the attachment to enqueue.</summary>
    public OutboxAttachment KeepAttachment(string transactionId, Func<Stream> open, string name, string mimetype)
    {
        Storage.PrivateDirectory.Create(AttachmentDirectory);
        var file = System.IO.Path.Combine(AttachmentDirectory, Convert.ToHexStringLower(Crypto.Primitives.Sha256(Encoding.UTF8.GetBytes(transactionId)))[..32]);
        Storage.PrivateFile.WriteAtomic(file, destination =>
        {
            using var source = open();
            source.CopyTo(destination);
        });
        return new(file, name, mimetype);
    }

    /// <summary>Deletes a delivered (or purged) entry's file; a file already gone is fine.</summary>
    public static void ForgetAttachment(OutboxAttachment? attachment)
    {
        if (attachment is not null)
        {
            File.Delete(attachment.File);
        }
    }
}
