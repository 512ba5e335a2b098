using Solti.Matrix.Sending;

namespace Solti.Matrix.Outbox;

/// <summary>A send with the outbox as a safety net: <c>never</c> sends or fails; <c>on_failure</c> queues the event
/// (same transaction id) when it cannot be delivered within the call's budget; <c>always</c> queues it for the relay.
/// A queued event records its homeserver and sender (<see cref="SenderIdentity"/>): it is delivered as that sender only.
/// A session that sent is kept in the credential cache (<see cref="Sessions.MatrixSession.KeepAsync"/>), so that what a
/// later task queues with the same token can be delivered by an outbox flush or the relay without a person.</summary>
public static class SpooledSend
{
    /// <summary>Sends the event or queues it, as <paramref name="spool"/> says (<c>never</c>, <c>on_failure</c> or
    /// <c>always</c>), in the outbox that <paramref name="outbox"/> opens; the result says which, with the event id or
    /// the outbox id.
    /// <para>With <paramref name="links"/>, the event takes part in a conversation (<see cref="ConversationLinks"/>): its
    /// relation is resolved in the outbox's conversation map first. A target still in the outbox makes the event wait
    /// behind it in the outbox (with <c>spool: never</c>, a <see cref="ConversationException"/>); a target that went
    /// dead makes it go on its own, saying so (<c>relation_lost</c>).</para>
    /// <para><paramref name="attachments"/> follow the event, each an <c>m.file</c>/<c>m.image</c> in its thread (the
    /// thread's root when the event is itself a thread reply: a thread has one root), with the transaction id
    /// <c>TXN-file-N</c>; every one is read and checked before anything is sent. A queued event's attachments are
    /// queued with it (their files kept beside the outbox); an attachment that cannot go now after its event went is
    /// queued alone (<c>on_failure</c>).</para></summary>
    public static async Task<JsonObject> SendAsync(MatrixClient client, Func<OutboxStore> outbox, string room, string eventType, JsonObject content, string? transactionId, string spool, CancellationToken cancellationToken, Encryption.EncryptionMode encryption = Encryption.EncryptionMode.Auto, ConversationLinks? links = null, IReadOnlyList<Media.Attachment>? attachments = null)
    {
        OutboxStore? opened = null; // opened once, when first needed (a relation to resolve, a queue, a correlation to remember)
        try
        {
            return await SendOnceAsync(client, () => opened ??= outbox(), room, eventType, content, transactionId, spool, encryption, links, attachments, cancellationToken);
        }
        finally
        {
            opened?.Dispose();
        }
    }

    private static async Task<JsonObject> SendOnceAsync(MatrixClient client, Func<OutboxStore> outbox, string room, string eventType, JsonObject content, string? transactionId, string spool, Encryption.EncryptionMode encryption, ConversationLinks? links, IReadOnlyList<Media.Attachment>? attachments, CancellationToken cancellationToken)
    {
        var txnId = string.IsNullOrEmpty(transactionId) ? TransactionIds.New() : transactionId;
        attachments ??= [];
        foreach (var attachment in attachments)
        {
            attachment.Check("attachments");
        }

        if (spool == "always")
        {
            return Queue(client, outbox, room, eventType, content, txnId, encryption, reason: null, links, attachments);
        }

        string? lost = null;
        JsonObject? relatesTo = null;
        string? threadRoot = null;
        var sending = content;
        if (links is { IsEmpty: false })
        {
            var store = outbox();
            var (homeserver, sender) = (client.Homeserver.ToString(), client.Session.Identity().UserId);
            var relation = links.Relation ?? (links.Correlation is { } key && store.FindConversation(homeserver, room, key) is not null ? RelationTarget.ToKey(RelationKind.Thread, key) : null);
            if (relation is not null)
            {
                var resolved = store.Resolve(homeserver, room, relation, sender);
                if (resolved.WaitingFor is { } waiting)
                {
                    return spool == "never"
                        ? throw new ConversationException(relation.Parameter, $"the event it relates to is still in the outbox (outbox id {waiting}); give spool: on_failure or always to queue this one behind it")
                        : Queue(client, outbox, room, eventType, content, txnId, encryption, $"the event it relates to is still in the outbox (outbox id {waiting})", links, attachments);
                }

                lost = resolved.Lost;
                sending = resolved.Apply(content, relation);
                relatesTo = resolved.EventId is { } target ? new JsonObject { ["rel"] = relation.Parameter, ["event_id"] = target } : null;
                threadRoot = relation.Kind == RelationKind.Thread ? resolved.EventId : null;
            }
        }

        try
        {
            // Before the event: a file over the homeserver's limit fails the whole send, nothing half sent.
            await client.Media.CheckAllAsync(attachments, "attachments", cancellationToken);

            var result = await client.SendEventAsync(room, eventType, sending, txnId, joinIfNeeded: false, encryption, cancellationToken);
            await client.Session.TryKeepAsync(cancellationToken);
            if (links?.Correlation is { } correlation)
            {
                var store = outbox();
                store.RememberConversation(client.Homeserver.ToString(), room, [correlation], result.EventId, client.Session.Identity().UserId);
            }

            var sent = new JsonObject
            {
                ["event_id"] = result.EventId,
                ["room_id"] = result.RoomId,
                ["transaction_id"] = result.TransactionId,
                ["event_type"] = result.EventType,
                ["reauthenticated"] = result.Reauthenticated,
                ["queued"] = false,
                ["encrypted"] = result.Encrypted,
                ["withheld_devices"] = new JsonArray([.. result.WithheldDevices.Select(d => (JsonNode)d)]),
            };
            if (relatesTo is not null)
            {
                sent["relates_to"] = relatesTo;
            }

            if (lost is not null)
            {
                sent["relation_lost"] = lost;
            }

            if (attachments.Count > 0)
            {
                sent["attachments"] = await AttachAsync(client, outbox, room, attachments, threadRoot ?? result.EventId, txnId, spool, encryption, cancellationToken);
            }

            return sent;
        }
        catch (Exception e) when (spool == "on_failure" && IsUndeliverableNow(e))
        {
            return Queue(client, outbox, room, eventType, content, txnId, encryption, e.Message, links, attachments);
        }
    }

    /// <summary>The attachments of a sent event, each in the thread of <paramref name="root"/>; one that cannot go now
    /// is queued with <c>on_failure</c> (and the rest after it, to keep their order).</summary>
    private static async Task<JsonArray> AttachAsync(MatrixClient client, Func<OutboxStore> outbox, string room, IReadOnlyList<Media.Attachment> attachments, string root, string txnId, string spool, Encryption.EncryptionMode encryption, CancellationToken cancellationToken)
    {
        var results = new JsonArray();
        for (var i = 0; i < attachments.Count; i++)
        {
            try
            {
                var sent = await client.SendAttachmentAsync(room, attachments[i], Media.AttachmentContent.InThreadOf(root), AttachmentTxn(txnId, i), encryption, cancellationToken);
                results.Add((JsonNode)new JsonObject { ["name"] = attachments[i].Name, ["event_id"] = sent.Event.EventId, ["content_uri"] = sent.ContentUri, ["encrypted"] = sent.FileEncrypted, ["queued"] = false });
            }
            catch (Exception e) when (spool == "on_failure" && IsUndeliverableNow(e))
            {
                var store = outbox();
                var rest = attachments.Skip(i).Select((a, n) => AttachmentItem(client, store, room, a, AttachmentTxn(txnId, i + n), RelationTarget.ToEvent(RelationKind.Thread, root), encryption)).ToList();
                var ids = store.Enqueue(rest);
                foreach (var (item, id) in rest.Zip(ids))
                {
                    results.Add((JsonNode)new JsonObject { ["name"] = item.Attachment!.Name, ["queued"] = true, ["outbox_id"] = id, ["queued_because"] = e.Message });
                }

                break;
            }
        }

        return results;
    }

    private static string AttachmentTxn(string txnId, int index) => $"{txnId}-file-{index}";

    /// <summary>The key a queued event is known by, for its attachments to find it.</summary>
    private static string AnchorKey(string txnId) => "txn:" + txnId;

    private static OutboxItem AttachmentItem(MatrixClient client, OutboxStore store, string room, Media.Attachment attachment, string txnId, RelationTarget relation, Encryption.EncryptionMode encryption) =>
        SenderIdentity.Item(client, room, "m.room.message", [], txnId) with
        {
            EncryptionRequired = encryption == Encryption.EncryptionMode.Required,
            Relation = relation,
            Attachment = store.KeepAttachment(txnId, () => attachment.Open().Stream, attachment.Name, attachment.Mimetype),
        };

    /// <summary>Worth queuing: the server is unreachable, failing, rate limiting past the budget, or the session cannot
    /// heal right now (any <see cref="FailureKind"/> but <see cref="FailureKind.Final"/>). A final refusal (403, 400,
    /// 404) is not: queuing it would only delay the same error.</summary>
    public static bool IsUndeliverableNow(Exception e) => FailureClassification.Of(e) is { } kind && kind != FailureKind.Final;

    private static JsonObject Queue(MatrixClient client, Func<OutboxStore> outbox, string room, string eventType, JsonObject content, string txnId, Encryption.EncryptionMode encryption, string? reason, ConversationLinks? links, IReadOnlyList<Media.Attachment> attachments)
    {
        var store = outbox();
        var item = SenderIdentity.Item(client, room, eventType, content, txnId) with
        {
            EncryptionRequired = encryption == Encryption.EncryptionMode.Required,
            Correlation = links?.Correlation,
            Relation = links?.Relation,
            Keys = attachments.Count > 0 ? [AnchorKey(txnId)] : [],
        };
        if (item.Relation is { } relation)
        {
            store.Check(item.Homeserver, room, relation, item.UserId);
        }

        var files = attachments.Select((a, i) => AttachmentItem(client, store, room, a, AttachmentTxn(txnId, i), RelationTarget.ToKey(RelationKind.Thread, AnchorKey(txnId)), encryption));
        var ids = store.Enqueue([item, .. files]);
        var id = ids[0];
        var result = new JsonObject { ["queued"] = true, ["outbox_id"] = id, ["transaction_id"] = txnId, ["event_type"] = eventType, ["room"] = room, ["sender"] = item.UserId };
        if (attachments.Count > 0)
        {
            result["attachments"] = new JsonArray([.. attachments.Zip(ids.Skip(1)).Select(p => (JsonNode)new JsonObject { ["name"] = p.First.Name, ["queued"] = true, ["outbox_id"] = p.Second })]);
        }

        if (reason is not null)
        {
            result["queued_because"] = reason;
        }

        return result;
    }
}

/// <summary>How an event takes part in a conversation: the correlation it belongs to
/// (<see cref="Conversation.Correlation"/>: the first event is the root, later ones go in its thread) and the event it
/// relates to (<c>thread_root</c>, <c>reply_to</c>, <c>replaces</c>).</summary>
public sealed record ConversationLinks(string? Correlation = null, RelationTarget? Relation = null)
{
    /// <summary>Takes no part in a conversation.</summary>
    public bool IsEmpty => Correlation is null && Relation is null;
}
