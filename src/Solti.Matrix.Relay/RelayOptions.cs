using Solti.Matrix.Hooks;

namespace Solti.Matrix.Relay;

/// <summary>Where the relay listens, how much it holds, and who may use it (<see cref="RelayAccess"/>).</summary>
/// <param name="TokenFile">The bearer token's file (made on first start when missing).</param>
/// <param name="SocketGroup">The Unix socket's group (a name or a number); null: the relay user's.</param>
/// <param name="AllowRooms">The rooms producers may post to, as they name them; empty: any room.</param>
/// <param name="AllowSenders">The users producers may name as <c>sender</c> besides the relay's own.</param>
public sealed record RelayOptions(string Listen, long MaxQueue, TimeSpan Poll, TimeSpan KeepDelivered)
{
    public string? TokenFile { get; init; }

    public string? SocketGroup { get; init; }

    public IReadOnlyList<string> AllowRooms { get; init; } = [];

    public IReadOnlyList<string> AllowSenders { get; init; } = [];

    /// <summary>The configuration file's hooks (<c>--config</c>): rooms per hook, the generic hooks.</summary>
    public HookConfig Hooks { get; init; } = HookConfig.Empty;
}
