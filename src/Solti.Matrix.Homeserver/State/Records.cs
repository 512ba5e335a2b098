using System.Text.Json.Nodes;

namespace Solti.Matrix.Homeserver.State;

public sealed class UserRecord
{
    public required string UserId { get; set; }
    public string? PasswordHash { get; set; }
    public string? DisplayName { get; set; }
    public string? AvatarUrl { get; set; }
    public bool Admin { get; set; }
    public bool Deactivated { get; set; }
    public bool Erased { get; set; }
    public bool Locked { get; set; }
    public bool ShadowBanned { get; set; }
    public string? UserType { get; set; }
    public long CreationTsMs { get; set; }
    public JsonArray ThreePids { get; set; } = [];
    public JsonArray ExternalIds { get; set; } = [];
    public RatelimitOverride? RatelimitOverride { get; set; }
}

public sealed record RatelimitOverride(long MessagesPerSecond, long BurstCount);

public sealed class DeviceRecord
{
    public required string UserId { get; set; }
    public required string DeviceId { get; set; }
    public string? DisplayName { get; set; }
    public long? LastSeenTs { get; set; }
    public string? LastSeenIp { get; set; }
    public string? LastSeenUserAgent { get; set; }
}

public sealed class AccessTokenRecord
{
    public required string Token { get; set; }
    public required long Id { get; set; }
    public required string UserId { get; set; }

    /// <summary>Null for device-less tokens (admin login-as-user).</summary>
    public string? DeviceId { get; set; }

    /// <summary>Absolute expiry in ms since the epoch; null never expires.</summary>
    public long? ValidUntilMs { get; set; }

    /// <summary>The refresh token issued with this access token, if any.</summary>
    public string? RefreshToken { get; set; }

    public bool Used { get; set; }
}

public sealed class RefreshTokenRecord
{
    public required string Token { get; set; }
    public required string UserId { get; set; }
    public required string DeviceId { get; set; }

    /// <summary>The refresh token that replaced this one; once that pair is used, this one dies.</summary>
    public string? Next { get; set; }
}

public sealed class EventRecord
{
    public required string EventId { get; set; }
    public required string RoomId { get; set; }
    public required string Type { get; set; }
    public required string Sender { get; set; }
    public string? StateKey { get; set; }
    public required JsonObject Content { get; set; }
    public long OriginServerTs { get; set; }
    public long StreamOrdering { get; set; }

    /// <summary>The txn id and its scope (device or token) for echoing <c>unsigned.transaction_id</c>.</summary>
    public string? TxnId { get; set; }
    public string? TxnScope { get; set; }
}

public sealed class RoomRecord
{
    public required string RoomId { get; set; }
    public required string Version { get; set; }
    public required string Creator { get; set; }

    /// <summary>Event ids in stream order.</summary>
    public List<string> Timeline { get; set; } = [];

    /// <summary>Current state: <c>type\u001fstate_key</c> → event id.</summary>
    public Dictionary<string, string> CurrentState { get; set; } = [];

    /// <summary>Published in the room directory.</summary>
    public bool Public { get; set; }

    public bool Blocked { get; set; }
}

public sealed class AliasRecord
{
    public required string RoomId { get; set; }
    public required string Creator { get; set; }
}

public sealed class TransactionRecord
{
    public required string EventId { get; set; }
    public long CreatedMs { get; set; }
}

public sealed class RegistrationTokenRecord
{
    public required string Token { get; set; }
    public int? UsesAllowed { get; set; }
    public int Pending { get; set; }
    public int Completed { get; set; }
    public long? ExpiryTime { get; set; }
}

public sealed class RoomDeletionRecord
{
    public required string DeleteId { get; set; }
    public required string RoomId { get; set; }
    public required string Status { get; set; }
    public string? Error { get; set; }
    public List<string> KickedUsers { get; set; } = [];
    public List<string> LocalAliases { get; set; } = [];
    public string? NewRoomId { get; set; }
}
