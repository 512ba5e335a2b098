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

    public Dictionary<string, RoomDeletionRecord> RoomDeletions { get; set; } = [];

    /// <summary>The emulated Matrix Authentication Service (used when authentication is delegated).</summary>
    public Mas.MasData Mas { get; set; } = new();

    public long NextStreamOrdering { get; set; } = 1;

    public long NextTokenId { get; set; } = 1;
}
