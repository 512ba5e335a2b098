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
    /// the outbox id.</summary>
    public static async Task<JsonObject> SendAsync(MatrixClient client, Func<OutboxStore> outbox, string room, string eventType, JsonObject content, string? transactionId, string spool, CancellationToken cancellationToken, Encryption.EncryptionMode encryption = Encryption.EncryptionMode.Auto)
    {
        var txnId = string.IsNullOrEmpty(transactionId) ? TransactionIds.New() : transactionId;
        if (spool == "always")
        {
            return Queue(client, outbox, room, eventType, content, txnId, encryption, reason: null);
        }

        try
        {
            var result = await client.SendEventAsync(room, eventType, content, txnId, joinIfNeeded: false, encryption, cancellationToken);
            await client.Session.TryKeepAsync(cancellationToken);
            return new JsonObject
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
        }
        catch (Exception e) when (spool == "on_failure" && IsUndeliverableNow(e))
        {
            return Queue(client, outbox, room, eventType, content, txnId, encryption, e.Message);
        }
    }

    /// <summary>Worth queuing: the server is unreachable, failing, rate limiting past the budget, or the session cannot
    /// heal right now (any <see cref="FailureKind"/> but <see cref="FailureKind.Final"/>). A final refusal (403, 400,
    /// 404) is not: queuing it would only delay the same error.</summary>
    public static bool IsUndeliverableNow(Exception e) => FailureClassification.Of(e) is { } kind && kind != FailureKind.Final;

    private static JsonObject Queue(MatrixClient client, Func<OutboxStore> outbox, string room, string eventType, JsonObject content, string txnId, Encryption.EncryptionMode encryption, string? reason)
    {
        using var store = outbox();
        var item = SenderIdentity.Item(client, room, eventType, content, txnId) with { EncryptionRequired = encryption == Encryption.EncryptionMode.Required };
        var id = store.Enqueue(item);
        var result = new JsonObject { ["queued"] = true, ["outbox_id"] = id, ["transaction_id"] = txnId, ["event_type"] = eventType, ["room"] = room, ["sender"] = item.UserId };
        if (reason is not null)
        {
            result["queued_because"] = reason;
        }

        return result;
    }
}
