namespace Solti.Matrix.Outbox;

/// <summary>One accepted event: where it goes (<see cref="Homeserver"/>, <see cref="Room"/>), who sends it
/// (<see cref="UserId"/> and <see cref="DeviceId"/>: it is only ever delivered as that user), what it is, and the
/// transaction id every delivery attempt reuses. <see cref="UserId"/> is null only for an event queued with a bare
/// access token while the homeserver could not say whose it is (see <see cref="OutboxItem.TokenFingerprint"/>), or
/// by a version that did not record it: such an event waits until its sender is known.</summary>
public sealed record OutboxEntry(long Id, string Homeserver, string? UserId, string Room, string EventType, JsonObject Content, string TransactionId)
{
    /// <summary>The device the sender's session used when the event was queued, when known.</summary>
    public string? DeviceId { get; init; }

    /// <summary>When the event was queued.</summary>
    public DateTimeOffset EnqueuedAt { get; init; }

    /// <summary>How many delivery attempts have been made.</summary>
    public int Attempts { get; init; }

    /// <summary>Why the last attempt failed, when one did.</summary>
    public string? LastError { get; init; }

    /// <summary>Whether it was queued with <c>encryption: required</c>: delivered only into an encrypted room (every
    /// event for an encrypted room is encrypted at delivery in any case).</summary>
    public bool EncryptionRequired { get; init; }

    /// <summary>How delivery encrypts it: <see cref="Encryption.EncryptionMode.Required"/> when queued so, else
    /// <see cref="Encryption.EncryptionMode.Auto"/>.</summary>
    public Encryption.EncryptionMode Encryption => EncryptionRequired ? Solti.Matrix.Encryption.EncryptionMode.Required : Solti.Matrix.Encryption.EncryptionMode.Auto;

    /// <summary>The event it relates to (thread, reply, edit), resolved to an event id at delivery: it waits while its
    /// target is still pending, and goes without the relation, saying so, when the target went dead.</summary>
    public Sending.RelationTarget? Relation { get; init; }

    /// <summary>A file to send (<see cref="OutboxAttachment"/>) instead of <see cref="Content"/>.</summary>
    public OutboxAttachment? Attachment { get; init; }
}

/// <summary>Counts by state and the age of the oldest undelivered event.</summary>
public sealed record OutboxStats(long Pending, long Delivered, long Dead, TimeSpan? OldestPendingAge);

/// <summary>An event to store: where it goes, who sends it, what it is, and the transaction id every delivery attempt
/// will reuse.</summary>
public sealed record OutboxItem(string Homeserver, string? UserId, string Room, string EventType, JsonObject Content, string TransactionId)
{
    /// <summary>The sender's device, when known: a password login for a delivery uses the same one.</summary>
    public string? DeviceId { get; init; }

    /// <summary>Whether it must go out encrypted (<c>encryption: required</c>): refused at delivery when the room is not
    /// encrypted.</summary>
    public bool EncryptionRequired { get; init; }

    /// <summary>For an event whose sender is not known yet: <see cref="SenderIdentity.Fingerprint"/> of the access token
    /// it was queued with (never the token), so that only a session holding that same token claims it.</summary>
    public string? TokenFingerprint { get; init; }

    /// <summary>The conversation it belongs to (<see cref="Sending.Conversation.Correlation"/>): the first event with
    /// this key in the room is the root, and every later one, unless it names its own <see cref="Relation"/>, goes in
    /// its thread.</summary>
    public string? Correlation { get; init; }

    /// <summary>Further keys the event is known by in the room (an alert's occurrences, <c>alert:</c>…), so a later
    /// event can relate to it.</summary>
    public IReadOnlyList<string> Keys { get; init; } = [];

    /// <summary>The event it relates to, by event id or by key (see <see cref="OutboxEntry.Relation"/>).</summary>
    public Sending.RelationTarget? Relation { get; init; }

    /// <summary>A file to send (kept by <see cref="OutboxStore.KeepAttachment"/>) instead of the content.</summary>
    public OutboxAttachment? Attachment { get; init; }

    /// <summary>Whether it takes part in a conversation at all.</summary>
    internal bool Converses => Correlation is not null || Keys.Count > 0 || Relation is not null;
}

/// <summary>The pending events of one sender on one homeserver (<see cref="UserId"/> null: not known yet).</summary>
public sealed record OutboxSender(string Homeserver, string? UserId, long Pending, TimeSpan OldestPendingAge);

/// <summary>Which entries a delivery or a report covers; null matches every value.</summary>
public sealed record OutboxScope(string? Homeserver = null, string? UserId = null, string? Room = null)
{
    /// <summary>Every entry, of every homeserver, sender and room.</summary>
    public static OutboxScope All { get; } = new();
}

/// <summary>What delivery keeps in order: the events of one sender to one room of one homeserver.</summary>
public sealed record OutboxLane(string Homeserver, string UserId, string Room)
{
    /// <summary>The lane <paramref name="entry"/> is delivered in.</summary>
    public static OutboxLane Of(OutboxEntry entry) => new(OutboxStore.Key(entry.Homeserver), entry.UserId!, entry.Room);
}
