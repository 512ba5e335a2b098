using Solti.Matrix.Accounts;
using Solti.Matrix.Identifiers;

namespace Solti.Matrix.Commands;

/// <summary><c>info</c>, <c>user</c>, <c>device</c>, <c>room</c> and <c>token</c>: the admin API through the same library
/// the modules use. The session is the admin's (token from the environment, healing with --user and a password).</summary>
public static class AdminCommands
{
    public static IEnumerable<Command> All() => [Info(), User(), Device(), Room(), Token(), AdminMediaCommands.Media(), .. AdminHistoryCommands.All(), .. AdminRegisterCommands.All()];

    private static Command Info()
    {
        var command = new Command("info", "Show the homeserver's version, who signs its users in (auth: synapse, or mas with its issuer) and the optional features it advertises");
        command.SetAction((parse, ct) => Run(parse, async (client, admin) =>
        {
            var features = await client.FeaturesAsync(ct);
            return new JsonObject
            {
                ["version"] = await admin.ServerVersionAsync(ct),
                ["auth"] = features.Authentication.Kind,
                ["mas_issuer"] = features.Authentication.Issuer,
                ["features"] = features.ToJson(),
            };
        }));
        return command;
    }

    private static Command User()
    {
        var userId = new Argument<string>("user_id") { Description = "Full user id" };
        var get = new Command("get", "Show one account") { userId };
        get.SetAction((parse, ct) => Run(parse, async admin => new JsonObject { ["user"] = (await (await admin.AccountsAsync(ct)).GetAsync(MatrixId.Require(MatrixIdKind.User, parse.GetValue(userId), "user_id"), ct))?.ToJson() }));
        var user = new Command("user", "Accounts") { get, AdminUserCommands.List() };
        foreach (var moderation in AdminUserCommands.Moderation())
        {
            user.Subcommands.Add(moderation);
        }

        return user;
    }

    private static Command Device()
    {
        var userId = new Argument<string>("user_id") { Description = "Full user id" };
        var list = new Command("list", "List a user's devices") { userId };
        list.SetAction((parse, ct) => Run(parse, async admin => new JsonObject { ["devices"] = new JsonArray([.. (await (await admin.AccountsAsync(ct)).DevicesAsync(MatrixId.Require(MatrixIdKind.User, parse.GetValue(userId), "user_id"), ct)).Select(d => (JsonNode)d.ToJson())]) }));
        var revokeUser = new Argument<string>("user_id") { Description = "Full user id" };
        var devices = new Argument<string[]>("device_id") { Description = "Devices to revoke", Arity = ArgumentArity.OneOrMore };
        var revoke = new Command("revoke", "Revoke devices in bulk") { revokeUser, devices };
        revoke.SetAction((parse, ct) => Run(parse, async admin =>
        {
            var ids = parse.GetValue(devices)!;
            await (await admin.AccountsAsync(ct)).DeleteDevicesAsync(MatrixId.Require(MatrixIdKind.User, parse.GetValue(revokeUser), "user_id"), ids, ct);
            return new JsonObject { ["revoked_devices"] = new JsonArray([.. ids.Select(id => (JsonNode)id)]) };
        }));
        return new Command("device", "Devices") { list, revoke };
    }

    private static Command Room()
    {
        var search = new Option<string?>("--search") { Description = "Part of the name, alias or room id" };
        var list = new Command("list", "List rooms (every page)") { search };
        list.SetAction((parse, ct) => Run(parse, async admin =>
        {
            var (rooms, total) = await admin.ListRoomsAsync(parse.GetValue(search), cancellationToken: ct);
            return new JsonObject { ["rooms"] = new JsonArray([.. rooms]), ["total"] = total };
        }));
        var roomId = new Argument<string>("room_id") { Description = "Room id" };
        var get = new Command("get", "Show one room") { roomId };
        get.SetAction((parse, ct) => Run(parse, async admin => new JsonObject { ["room"] = await admin.GetRoomAsync(MatrixId.Require(MatrixIdKind.Room, parse.GetValue(roomId), "room_id"), ct) }));
        return new Command("room", "Rooms") { list, get, AdminHistoryCommands.PurgeHistory() };
    }

    private static Command Token()
    {
        var userId = new Argument<string>("user_id") { Description = "Full user id" };
        var validFor = new Option<int?>("--valid-for") { Description = "Lifetime in seconds" };
        var mint = new Command("mint", "Mint a device-less token for a user (prints it: keep it secret)") { userId, validFor };
        mint.SetAction((parse, ct) => Run(parse, async admin =>
        {
            var user = MatrixId.Require(MatrixIdKind.User, parse.GetValue(userId), "user_id");
            var lifetime = parse.GetValue(validFor) is { } seconds ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;

            // Synapse: a device-less token; through MAS: a personal access token bound to a device (--device-id, else a new one).
            var minted = await (await admin.AccountsAsync(ct)).MintTokenAsync(user, new TokenRequest(parse.GetValue(CliSettings.DeviceId), lifetime, "solti-matrix token mint"), ct);
            return new JsonObject { ["token"] = minted.AccessToken, ["device_id"] = minted.DeviceId, ["expires_at"] = minted.ExpiresAtText };
        }));
        return new Command("token", "Tokens") { mint };
    }

    internal static Task<int> Run(ParseResult parse, Func<SynapseAdminClient, Task<JsonObject>> body) => Run(parse, (_, admin) => body(admin));

    private static Task<int> Run(ParseResult parse, Func<MatrixClient, SynapseAdminClient, Task<JsonObject>> body) => CommandRunner.RunAsync(parse, async () =>
    {
        using var client = ClientFactory.Create(parse);
        CliOutput.Write(parse, await body(client, ClientFactory.Admin(parse, client)));
    });
}
