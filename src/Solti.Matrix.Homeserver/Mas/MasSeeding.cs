using Solti.Matrix.Homeserver.Configuration;

namespace Solti.Matrix.Homeserver.Mas;

/// <summary>Seed users on a delegated homeserver exist in MAS too (with their password; a seed admin is an MAS admin),
/// since only MAS signs them in.</summary>
public static class MasSeeding
{
    /// <summary>Call under the state lock, after the Synapse account exists.</summary>
    public static void Seed(ServerState state, SeedUser seed)
    {
        var username = seed.Localpart.ToLowerInvariant();
        if (state.Data.Mas.FindUserByName(username) is not null)
        {
            return;
        }

        var user = new MasUser
        {
            Id = Ulid.Next(state),
            Username = username,
            CreatedAtMs = state.NowMs,
            Admin = seed.Admin,
            PasswordHash = PasswordHasher.Hash(seed.Password),
        };
        state.Data.Mas.Users[user.Id] = user;
        MasSessions.ProvisionUser(state, user, null, null);
    }
}
