using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Homeserver.Tests.Support;

/// <summary>Tests that run on a behaviour profile: the current Synapse here, Synapse 1.67 in the <c>…OnSynapse167</c>
/// subclass. Sync answers are not kept unless a test asks (<paramref name="syncCache"/>): each sync then sees the state
/// of the moment.</summary>
public abstract class ProfiledTests
{
    protected virtual Compatibility Profile => new();

    protected Task<TestHomeserver> StartAsync(TimeSpan? syncCache = null) =>
        TestHomeserver.StartAsync(o => o with { Compatibility = Profile, SyncResponseCacheDuration = syncCache ?? TimeSpan.Zero });

    protected static string Enc(string segment) => MatrixTestClient.Enc(segment);

    /// <summary>A room of the admin's that the bot joined: (admin, bot, room id).</summary>
    protected static async Task<(E2eeClient Admin, E2eeClient Bot, string RoomId)> SharedRoomAsync(TestHomeserver hs, System.Text.Json.Nodes.JsonObject? create = null)
    {
        var admin = await E2eeClient.AdminAsync(hs);
        var bot = await E2eeClient.BotAsync(hs);
        create ??= [];
        create["invite"] = new System.Text.Json.Nodes.JsonArray(hs.BotId);
        var roomId = await hs.Client.CreateRoomAsync(admin.Token, create);
        await bot.JoinAsync(roomId);
        return (admin, bot, roomId);
    }
}
