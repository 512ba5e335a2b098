using Solti.Matrix.Crypto;
using Solti.Matrix.Encryption;
using Solti.Matrix.Media;
using Solti.Matrix.Sending;

namespace Solti.Matrix;

/// <summary>Attachments: the media repository and the one place a file goes into a room.</summary>
public partial class MatrixClient
{
    /// <summary>What an encrypted attachment's ciphertext is uploaded as: its real type is inside the encrypted event.</summary>
    private const string CiphertextType = "application/octet-stream";

    private MediaRepository? _media;

    /// <summary>The homeserver's media repository through this client's session (<see cref="MediaRepository"/>: upload,
    /// its size limit asked once for the life of this client, download).</summary>
    public MediaRepository Media => _media ?? Interlocked.CompareExchange(ref _media, new MediaRepository(Session), null) ?? _media;

    /// <summary>Sends one file into a room: the one place an attachment is uploaded and announced, for every sender (the
    /// CLI's <c>send --file</c>; made for the outbox's delivery and <c>matrix_event</c> to call as they are). The room is read as a send reads it (<see
    /// cref="IsRoomEncryptedAsync"/>; <see cref="EncryptionMode.Required"/> refuses a room that is not encrypted, before
    /// anything is uploaded); the size is checked against the homeserver's limit (<see
    /// cref="MediaRepository.CheckSizeAsync"/>); for an encrypted room the file is encrypted as it is uploaded (<see
    /// cref="EncryptedAttachment"/>: uploaded as <c>application/octet-stream</c> without its name, so the homeserver
    /// learns neither), never uploaded in the clear; then the <c>m.file</c>/<c>m.image</c> event (<see
    /// cref="AttachmentContent"/>, with <paramref name="relatesTo"/> as its <c>m.relates_to</c>) goes out through <see
    /// cref="SendEventAsync(string, string, JsonObject, string?, bool, EncryptionMode, CancellationToken)"/>, which
    /// Megolm-encrypts it in an encrypted room, with <paramref name="transactionId"/> (one minted when null). The upload
    /// is one call (one budget: the room's read, the media config, the attempts), the event's send another. A retry of
    /// the whole send uploads again (the first upload stays unreferenced); the event keeps its transaction id.</summary>
    public virtual async Task<AttachmentSent> SendAttachmentAsync(string roomIdOrAlias, Attachment attachment, JsonObject? relatesTo, string? transactionId, EncryptionMode encryption, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(attachment);
        var txnId = string.IsNullOrEmpty(transactionId) ? TransactionIds.New() : transactionId;
        var roomId = await ResolveRoomAsync(roomIdOrAlias, cancellationToken);
        string url;
        JsonObject? file = null;
        long size;
        using (_http.BeginCall())
        {
            var encrypted = await IsRoomEncryptedAsync(roomId, cancellationToken);
            if (!encrypted && encryption == EncryptionMode.Required)
            {
                throw new EncryptionException($"{roomId} is not encrypted, and encryption: required was asked: nothing was sent (the attachment {attachment.Name} was not uploaded)");
            }

            size = attachment.Check("the attachment");
            await Media.CheckSizeAsync(attachment.Name, size, cancellationToken);
            if (encrypted)
            {
                var cipher = EncryptedAttachment.Create();
                CiphertextStream? sent = null;
                url = await Media.UploadAsync(() => sent = cipher.Encrypt(OpenSized(attachment, size), size), size, CiphertextType, null, cancellationToken);
                file = cipher.File(url, sent!.Sha256);
            }
            else
            {
                url = await Media.UploadAsync(() => OpenSized(attachment, size), size, attachment.Mimetype, attachment.Name, cancellationToken);
            }
        }

        var content = AttachmentContent.Build(attachment, size, file is null ? url : null, file, relatesTo);
        var result = await SendEventAsync(roomId, "m.room.message", content, txnId, false, encryption, cancellationToken);
        return new AttachmentSent(result, url, file is not null, size, attachment.MsgType);
    }

    /// <summary>The attachment's content from its start, as long as it was when the send began (else the upload fails
    /// rather than sending another file than the one measured).</summary>
    private static Stream OpenSized(Attachment attachment, long size)
    {
        var (stream, length) = attachment.Open();
        if (length != size)
        {
            stream.Dispose();
            throw new IOException($"the attachment {attachment.Name} changed while it was sent: {length} bytes, not {size}");
        }

        return stream;
    }
}
