using System.Net;

namespace Solti.Matrix.Homeserver.Configuration;

/// <summary>Everything the homeserver can be told at start-up.</summary>
public sealed record HomeserverOptions
{
    public string ServerName { get; init; } = "localhost";

    /// <summary>0 picks a free port; read it back from <see cref="EmbeddedHomeserver.Port"/>.</summary>
    public int Port { get; init; }

    public IPAddress BindAddress { get; init; } = IPAddress.Loopback;

    /// <summary>Where state is persisted across restarts; null keeps it in memory.</summary>
    public string? DataDirectory { get; init; }

    public IReadOnlyList<SeedUser> SeedUsers { get; init; } = [];

    public RateLimits RateLimits { get; init; } = new();

    public Compatibility Compatibility { get; init; } = new();

    /// <summary>Synapse's <c>default_room_version</c>: the version of a room created without <c>room_version</c>; null
    /// takes the profile's (<see cref="Compatibility.DefaultRoomVersion"/>).</summary>
    public string? DefaultRoomVersion { get; init; }

    /// <summary>The version a room gets when <c>createRoom</c> names none.</summary>
    public string RoomVersion => DefaultRoomVersion ?? Compatibility.DefaultRoomVersion;

    /// <summary>Version reported by <c>/_synapse/admin/v1/server_version</c>.</summary>
    public string ServerVersion { get; init; } = "1.140.0";

    /// <summary>Lifetime of access tokens issued with <c>refresh_token: true</c> (Synapse: 5 minutes).</summary>
    public TimeSpan RefreshableAccessTokenLifetime { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The <c>retention</c> section (message retention policies).</summary>
    public RetentionSettings Retention { get; init; } = new();

    /// <summary>The <c>account_validity</c> section (accounts that expire); disabled by default, as in Synapse.</summary>
    public AccountValiditySettings AccountValidity { get; init; } = new();

    /// <summary>Enables <c>/_synapse/admin/v1/register</c>; null disables it, as in Synapse.</summary>
    public string? RegistrationSharedSecret { get; init; }

    /// <summary>The <c>server_notices</c> section; null: server notices are not enabled, as in Synapse.</summary>
    public ServerNoticesSettings? ServerNotices { get; init; }

    /// <summary>How long an async room deletion stays in each of <c>scheduled</c> and <c>active</c>.</summary>
    public TimeSpan RoomDeletionStepDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Authentication delegated to MAS (Synapse's <c>matrix_authentication_service</c>); null: Synapse's own.</summary>
    public DelegatedAuthentication? AuthenticationService { get; init; }

    /// <summary>How long a completed <c>/sync</c> answer is kept for an identical request (Synapse's
    /// <c>caches.sync_response_cache_duration</c>, 2 minutes since 1.62); zero keeps none.</summary>
    public TimeSpan SyncResponseCacheDuration { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How long a transaction id maps to its event (Synapse: about 24 h).</summary>
    public TimeSpan TransactionLifetime { get; init; } = TimeSpan.FromHours(24);

    /// <summary>The largest media upload in bytes (Synapse's <c>max_upload_size</c>, 50M by default), answered by the
    /// media config as <c>m.upload.size</c>.</summary>
    public long MaxUploadSize { get; init; } = 50L * 1024 * 1024;
}
