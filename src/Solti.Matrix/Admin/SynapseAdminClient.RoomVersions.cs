namespace Solti.Matrix;

/// <summary>Room versions: the version a new room gets when <c>createRoom</c> names none.</summary>
public partial class SynapseAdminClient
{
    /// <summary>The server's default room version (<c>m.room_versions.default</c> of <c>/capabilities</c>), or null when
    /// the answer has none.</summary>
    public virtual async Task<string?> DefaultRoomVersionAsync(CancellationToken cancellationToken = default) =>
        (await Session.SendAsync(MatrixRequest.Get(MatrixPath.Build(MatrixPath.Client, "capabilities")), cancellationToken))["capabilities"]?["m.room_versions"]?["default"] is JsonValue v
            && v.TryGetValue<string>(out var version) ? version : null;
}
