namespace Solti.Matrix.Sessions;

/// <summary>Who the session is and what it may use to heal itself. Every field is optional: a token alone
/// works until it is rejected; a user id and password make the session self-healing.</summary>
public sealed record SessionOptions
{
    /// <summary>Full MXID (<c>@bot:example.com</c>); needed for the cache and for password login.</summary>
    public string? UserId { get; init; }

    /// <summary>May be empty or stale: the session heals.</summary>
    public string? AccessToken { get; init; }

    /// <summary>The password for logging in again (with <see cref="UserId"/>); without it the session cannot heal by a
    /// login.</summary>
    public string? Password { get; init; }

    /// <summary>The device to log in as; when null the cached one is reused, else a stable id for this user, host and OS
    /// account. Either is the first of a series (<see cref="DeviceSeries"/>): a device whose keys this host lost moves to
    /// a later id of it, which the cache then remembers and later logins keep.</summary>
    public string? DeviceId { get; init; }

    /// <summary>The display name a device gets when a password login creates it.</summary>
    public string DeviceDisplayName { get; init; } = "solti-matrix";

    /// <summary>Ask for refresh tokens at login (expiring access tokens that refresh without a password).</summary>
    public bool RequestRefreshToken { get; init; }

    /// <summary>Called before a password login to create the device first (e.g. through the admin API's
    /// <see cref="Accounts.SynapseAccounts.CreateDeviceAsync"/>), for servers that only allow known devices.</summary>
    public Func<string, string, CancellationToken, Task>? PrecreateDevice { get; init; }

    /// <summary>Use and update the credential cache (needs <see cref="UserId"/>).</summary>
    public bool UseCache { get; init; } = true;

    /// <summary>How long to wait for another process that is logging the same user in.</summary>
    public TimeSpan LoginLockTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Never prints secrets.</summary>
    public override string ToString() => $"SessionOptions {{ UserId = {UserId}, DeviceId = {DeviceId}, HasToken = {!string.IsNullOrEmpty(AccessToken)}, HasPassword = {!string.IsNullOrEmpty(Password)} }}";
}
