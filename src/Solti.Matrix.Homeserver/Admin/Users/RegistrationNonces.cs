using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace Solti.Matrix.Homeserver.Admin.Users;

/// <summary>Single-use nonces for shared-secret registration; in memory only and valid 60 s, as in Synapse.</summary>
public static class RegistrationNonces
{
    private const long LifetimeMs = 60_000;

    private static readonly ConditionalWeakTable<ServerState, Dictionary<string, long>> Issued = [];

    /// <summary>Call under the state lock.</summary>
    public static string Issue(ServerState state)
    {
        var nonces = Prune(state);
        var nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(64));
        nonces[nonce] = state.NowMs;
        return nonce;
    }

    /// <summary>Removes the nonce (even if the request later fails) and says whether it was live.</summary>
    public static bool Consume(ServerState state, string nonce) => Prune(state).Remove(nonce);

    private static Dictionary<string, long> Prune(ServerState state)
    {
        var nonces = Issued.GetOrCreateValue(state);
        var now = state.NowMs;
        foreach (var old in nonces.Where(n => now - n.Value > LifetimeMs).Select(n => n.Key).ToList())
        {
            nonces.Remove(old);
        }

        return nonces;
    }
}
