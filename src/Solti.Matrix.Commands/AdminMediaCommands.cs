using Solti.Matrix.Errors;
using Solti.Matrix.Identifiers;
using Solti.Matrix.Media;

namespace Solti.Matrix.Commands;

/// <summary><c>media</c>: a user's or a room's media, one medium, quarantine and protection, deletion (one medium, or by
/// age and size) and the remote cache's purge, through the same library calls as <c>synapse_media</c>.</summary>
public static class AdminMediaCommands
{
    public static Command Media()
    {
        var user = new Option<string?>("--user") { Description = "A local user whose uploaded media to list" };
        var room = new Option<string?>("--room") { Description = "A room whose media to list (Synapse skips encrypted events)" };
        var list = new Command("list", "List a user's media (every page) or a room's") { user, room };
        list.SetAction((parse, ct) => Run(parse, async admin =>
        {
            if (parse.GetValue(room) is { } roomId)
            {
                var (local, remote) = await admin.RoomMediaAsync(MatrixId.Require(MatrixIdKind.Room, roomId, "--room"), ct);
                return new JsonObject { ["local"] = Strings(local), ["remote"] = Strings(remote), ["note"] = "media sent in encrypted events are not listed" };
            }

            var userId = parse.GetValue(user) ?? throw new ArgumentException("media list needs --user or --room");
            var (media, total) = await admin.UserMediaAsync(MatrixId.Require(MatrixIdKind.User, userId, "--user"), cancellationToken: ct);
            return new JsonObject { ["media"] = new JsonArray([.. media]), ["total"] = total };
        }));

        var getMxc = Mxc();
        var get = new Command("get", "Show one medium (Synapse 1.140 or later)") { getMxc };
        get.SetAction((parse, ct) => Run(parse, async admin =>
        {
            var (server, id) = Parse(parse.GetValue(getMxc));
            return new JsonObject { ["media_info"] = await admin.MediaInfoAsync(server, id, ct) ?? throw new MatrixException(404, MatrixErrorCodes.NotFound, $"unknown media mxc://{server}/{id}") };
        }));

        var delMxc = new Argument<string?>("mxc") { Description = "One local medium: mxc://server/id or server/id", Arity = ArgumentArity.ZeroOrOne };
        var before = new Option<string?>("--before") { Description = "Delete local media last used before this: a duration back from now (30d), a timestamp in ms or an ISO 8601 date" };
        var larger = new Option<string?>("--larger-than") { Description = "Only media larger than this many bytes (K, M, G allowed)" };
        var dropProfiles = new Option<bool>("--include-avatars") { Description = "Also delete media in use as avatars (Synapse's keep_profiles=false)" };
        var delete = new Command("delete", "Delete one local medium, or local media by age and size") { delMxc, before, larger, dropProfiles };
        delete.SetAction((parse, ct) => Run(parse, async (client, admin) =>
        {
            if (parse.GetValue(delMxc) is { } mxc)
            {
                var (server, id) = Parse(mxc);
                return await admin.DeleteMediaAsync(server, id, ct);
            }

            var ts = parse.GetValue(before) is { } b ? Moment(b, "--before") : parse.GetValue(larger) is not null ? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()
                : throw new ArgumentException("media delete needs an mxc URI, or --before and/or --larger-than");
            var size = parse.GetValue(larger) is { } l ? AdminArguments.Bytes(l, out var problem) ?? throw new ArgumentException("--larger-than: " + problem) : 0;
            var own = MatrixId.Server(MatrixId.Require(MatrixIdKind.User, (await client.WhoAmIAsync(ct))["user_id"]?.GetValue<string>(), "whoami user_id"))!;
            return await admin.DeleteOldMediaAsync(own, ts, size, !parse.GetValue(dropProfiles), ct);
        }));

        var purgeBefore = new Option<string>("--before") { Description = "Purge cached remote media last used before this (30d, a timestamp in ms or a date)", Required = true };
        var purge = new Command("purge-remote", "Purge the remote media cache") { purgeBefore };
        purge.SetAction((parse, ct) => Run(parse, async admin => new JsonObject { ["deleted"] = await admin.PurgeRemoteMediaAsync(Moment(parse.GetValue(purgeBefore)!, "--before"), ct) }));

        return new Command("media", "Media: list, quarantine, protect, delete, purge the remote cache")
        {
            list, get, delete, purge,
            Flag("quarantine", "Quarantine one medium (downloads answer 404)", (admin, m, ct) => admin.SetQuarantineAsync(m.Server, m.Id, true, ct)),
            Flag("unquarantine", "Release one medium from quarantine", (admin, m, ct) => admin.SetQuarantineAsync(m.Server, m.Id, false, ct)),
            Flag("protect", "Protect one local medium from quarantine", (admin, m, ct) => admin.SetProtectedAsync(m.Id, true, ct)),
            Flag("unprotect", "No longer protect one local medium from quarantine", (admin, m, ct) => admin.SetProtectedAsync(m.Id, false, ct)),
        };
    }

    private static Command Flag(string name, string description, Func<SynapseAdminClient, (string Server, string Id), CancellationToken, Task> write)
    {
        var mxc = Mxc();
        var command = new Command(name, description) { mxc };
        command.SetAction((parse, ct) => Run(parse, async admin =>
        {
            var medium = Parse(parse.GetValue(mxc));
            await write(admin, medium, ct);
            return new JsonObject { ["media_id"] = $"mxc://{medium.Server}/{medium.Id}", ["done"] = name };
        }));
        return command;
    }

    private static Argument<string> Mxc() => new("mxc") { Description = "The medium: mxc://server/id or server/id" };

    private static (string Server, string Id) Parse(string? given) =>
        MediaRepository.TryParse(given is not null && !given.StartsWith("mxc://", StringComparison.Ordinal) ? "mxc://" + given : given, out var server, out var id)
            ? (server, id)
            : throw new ArgumentException($"expected mxc://server/media-id or server/media-id, got '{given}'");

    private static long Moment(string text, string flag) =>
        AdminArguments.Moment(text, DateTimeOffset.UtcNow, out var problem) ?? throw new ArgumentException($"{flag}: {problem}");

    private static JsonArray Strings(List<string> values) => new([.. values.Select(v => (JsonNode)v)]);

    private static Task<int> Run(ParseResult parse, Func<SynapseAdminClient, Task<JsonObject>> body) => Run(parse, (_, admin) => body(admin));

    private static Task<int> Run(ParseResult parse, Func<MatrixClient, SynapseAdminClient, Task<JsonObject>> body) => CommandRunner.RunAsync(parse, async () =>
    {
        using var client = ClientFactory.Create(parse);
        CliOutput.Write(parse, await body(client, ClientFactory.Admin(parse, client)));
    });
}
