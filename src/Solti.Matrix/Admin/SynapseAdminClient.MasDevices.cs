using Solti.Matrix.Identifiers;
using Solti.Matrix.Mas;

namespace Solti.Matrix;

/// <summary>Devices on a homeserver that delegates to MAS, given <see cref="MasCredentials"/>: a device is a MAS session
/// (a password login's compatibility session, or a personal session bound to the device), and deleting only Synapse's
/// device would leave the session alive for MAS to bring the device back. So a device is ended by finishing or revoking
/// its session; a device without one is deleted on Synapse as anywhere else.</summary>
public partial class SynapseAdminClient
{
    /// <summary>Ends the sessions of <paramref name="deviceIds"/> in MAS and returns the devices MAS had no session for.</summary>
    private static async Task<List<string>> EndMasSessionsAsync(MasAdminClient mas, string userId, IReadOnlyCollection<string> deviceIds, CancellationToken cancellationToken)
    {
        if (await mas.FindUserAsync(MatrixId.Localpart(userId), cancellationToken) is not { } user)
        {
            return [.. deviceIds];
        }

        var wanted = deviceIds.ToHashSet(StringComparer.Ordinal);
        var ended = new HashSet<string>(StringComparer.Ordinal);
        foreach (var session in await mas.ActiveCompatSessionsAsync(user.Id, cancellationToken))
        {
            if (MasAdminClient.DeviceOf(session) is { } device && wanted.Contains(device))
            {
                await mas.FinishCompatSessionAsync(session.Id, cancellationToken);
                ended.Add(device);
            }
        }

        foreach (var session in await mas.ActivePersonalSessionsAsync(user.Id, cancellationToken))
        {
            if (MasAdminClient.DeviceOf(session) is { } device && wanted.Contains(device))
            {
                await mas.RevokePersonalSessionAsync(session.Id, cancellationToken);
                ended.Add(device);
            }
        }

        return [.. deviceIds.Where(d => !ended.Contains(d))];
    }
}
