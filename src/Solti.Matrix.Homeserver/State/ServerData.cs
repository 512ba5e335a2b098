namespace Solti.Matrix.Homeserver.State;

/// <summary>Everything that survives a restart; <see cref="StatePersistence"/> writes it as one document.</summary>
public sealed class ServerData
{
    public Dictionary<string, UserRecord> Users { get; set; } = [];

    /// <summary>Key: <c>user_id\u001fdevice_id</c>.</summary>
    public Dictionary<string, DeviceRecord> Devices { get; set; } = [];

    public Dictionary<string, AccessTokenRecord> AccessTokens { get; set; } = [];

    public Dictionary<string, RefreshTokenRecord> RefreshTokens { get; set; } = [];

    public Dictionary<string, RoomRecord> Rooms { get; set; } = [];

    public Dictionary<string, EventRecord> Events { get; set; } = [];

    public Dictionary<string, AliasRecord> Aliases { get; set; } = [];

    /// <summary>Key: <c>scope\u001froom_id\u001ftxn_id</c>.</summary>
    public Dictionary<string, TransactionRecord> Transactions { get; set; } = [];

    public Dictionary<string, RegistrationTokenRecord> RegistrationTokens { get; set; } = [];

    /// <summary>The admin API's redactions of a user's events, by <c>redact_id</c>.</summary>
    public Dictionary<string, UserRedactionRecord> UserRedactions { get; set; } = [];

    /// <summary>While true, user redactions stay <c>active</c> without redacting anything, until released
    /// (<c>/_solti/testing/v1/redaction_hold</c>).</summary>
    public bool UserRedactionsHeld { get; set; }

    public Dictionary<string, RoomDeletionRecord> RoomDeletions { get; set; } = [];

    /// <summary>Device inboxes: to-device messages not yet acknowledged, in stream order.</summary>
    public List<ToDeviceRecord> ToDevice { get; set; } = [];

    /// <summary>Testing: the devices (<see cref="ServerState.DeviceKey"/>) whose new to-device messages are held back
    /// (queued, invisible to <c>/sync</c>) until released (<c>/_solti/testing/v1/to_device_hold</c>).</summary>
    public List<string> ToDeviceHolds { get; set; } = [];

    /// <summary>Whose device lists changed when, for sync's and <c>/keys/changes</c>' <c>device_lists</c>.</summary>
    public List<DeviceListChangeRecord> DeviceListChanges { get; set; } = [];

    /// <summary>Key: <c>user_id\u001froom_id (empty for global)\u001ftype</c>.</summary>
    public Dictionary<string, AccountDataRecord> AccountData { get; set; } = [];

    /// <summary>Each user's sync filters; a filter's id is its index, as Synapse numbers them.</summary>
    public Dictionary<string, List<JsonObject>> Filters { get; set; } = [];

    /// <summary>Each user's cross-signing keys (<see cref="E2ee.CrossSigning"/>).</summary>
    public Dictionary<string, E2ee.CrossSigningRecord> CrossSigning { get; set; } = [];

    /// <summary>Signatures uploaded with <c>/keys/signatures/upload</c>, in upload order.</summary>
    public List<E2ee.SignatureRecord> CrossSigningSignatures { get; set; } = [];

    /// <summary>Uploaded media by media id (the bytes are in <see cref="Media.MediaFiles"/>).</summary>
    public Dictionary<string, Media.MediaRecord> Media { get; set; } = [];

    public Dictionary<string, PresenceRecord> Presence { get; set; } = [];

    /// <summary>Users' reports of events, in the order they arrived; ids from <see cref="NextEventReportId"/>.</summary>
    public List<EventReportRecord> EventReports { get; set; } = [];

    public long NextEventReportId { get; set; } = 1;

    /// <summary>The emulated Matrix Authentication Service (used when authentication is delegated).</summary>
    public Mas.MasData Mas { get; set; } = new();

    public long NextStreamOrdering { get; set; } = 1;

    public long NextTokenId { get; set; } = 1;
}
