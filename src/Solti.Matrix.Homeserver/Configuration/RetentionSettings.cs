namespace Solti.Matrix.Homeserver.Configuration;

/// <summary>Synapse's <c>retention</c> section: whether message retention is on, the server's default policy, and the
/// range a room's <c>max_lifetime</c> is held to. Read and checked as Synapse does at start-up; the homeserver keeps
/// rooms' <c>m.room.retention</c> state but runs no purge jobs.</summary>
public sealed record RetentionSettings
{
    public bool Enabled { get; init; }

    public TimeSpan? DefaultMinLifetime { get; init; }

    public TimeSpan? DefaultMaxLifetime { get; init; }

    public TimeSpan? AllowedLifetimeMin { get; init; }

    public TimeSpan? AllowedLifetimeMax { get; init; }
}
