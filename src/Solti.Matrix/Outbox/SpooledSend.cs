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
    /// dead makes it go on its own, saying so (<c>relation_lost</c>).</para></summary>
    public static async Task<JsonObject> SendAsync(MatrixClient client, Func<OutboxStore> outbox, string room, string eventType, JsonObject content, string? transactionId, string spool, CancellationToken cancellationToken, Encryption.EncryptionMode encryption = Encryption.EncryptionMode.Auto, ConversationLinks? links = null)
    {
        var txnId = string.IsNullOrEmpty(transactionId) ? TransactionIds.New() : transactionId;
        if (spool == "always")
        {
            return Queue(client, outbox, room, eventType, content, txnId, encryption, reason: null, links);
        }

        string? lost = null;
        JsonObject? relatesTo = null;
        var sending = content;
        if (links is { IsEmpty: false })
        {
            using var store = outbox();
            var (homeserver, sender) = (client.Homeserver.ToString(), client.Session.Identity().UserId);
            var relation = links.Relation ?? (links.Correlation is { } key && store.FindConversation(homeserver, room, key) is not null ? RelationTarget.ToKey(RelationKind.Thread, key) : null);
            if (relation is not null)
            {
                var resolved = store.Resolve(homeserver, room, relation, sender);
                if (resolved.WaitingFor is { } waiting)
                {
                    return spool == "never"
                        ? throw new ConversationException(relation.Parameter, $"the event it relates to is still in the outbox (outbox id {waiting}); give spool: on_failure or always to queue this one behind it")
                        : Queue(client, outbox, room, eventType, content, txnId, encryption, $"the event it relates to is still in the outbox (outbox id {waiting})", links);
                }

                lost = resolved.Lost;
                sending = resolved.Apply(content, relation);
                relatesTo = resolved.EventId is { } target ? new JsonObject { ["rel"] = relation.Parameter, ["event_id"] = target } : null;
            }
        }

        try
        {
            var result = await client.SendEventAsync(room, eventType, sending, txnId, joinIfNeeded: false, encryption, cancellationToken);
            await client.Session.TryKeepAsync(cancellationToken);
            if (links?.Correlation is { } correlation)
            {
                using var store = outbox();
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

            return sent;
        }
        catch (Exception e) when (spool == "on_failure" && IsUndeliverableNow(e))
        {
            return Queue(client, outbox, room, eventType, content, txnId, encryption, e.Message, links);
        }
    }

    /// <summary>Worth queuing: the server is unreachable, failing, rate limiting past the budget, or the session cannot
    /// heal right now (any <see cref="FailureKind"/> but <see cref="FailureKind.Final"/>). A final refusal (403, 400,
    /// 404) is not: queuing it would only delay the same error.</summary>
    public static bool IsUndeliverableNow(Exception e) => FailureClassification.Of(e) is { } kind && kind != FailureKind.Final;

    private static JsonObject Queue(MatrixClient client, Func<OutboxStore> outbox, string room, string eventType, JsonObject content, string txnId, Encryption.EncryptionMode encryption, string? reason, ConversationLinks? links)
    {
        using var store = outbox();
        var item = SenderIdentity.Item(client, room, eventType, content, txnId) with
        {
            EncryptionRequired = encryption == Encryption.EncryptionMode.Required,
            Correlation = links?.Correlation,
            Relation = links?.Relation,
        };
        if (item.Relation is { } relation)
        {
            store.Check(item.Homeserver, room, relation, item.UserId);
        }

        var id = store.Enqueue(item);
        var result = new JsonObject { ["queued"] = true, ["outbox_id"] = id, ["transaction_id"] = txnId, ["event_type"] = eventType, ["room"] = room, ["sender"] = item.UserId };
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
