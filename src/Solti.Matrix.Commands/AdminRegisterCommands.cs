using Solti.Matrix.Accounts;
using Solti.Matrix.Config;
using Solti.Matrix.Errors;
using Solti.Matrix.Identifiers;

namespace Solti.Matrix.Commands;

/// <summary><c>register</c> (shared-secret registration, no token), <c>notice send</c> (server notices) and <c>api</c>
/// (the raw admin API): the library calls the modules <c>synapse_register</c>, <c>synapse_server_notice</c> and
/// <c>synapse_admin_api</c> make.</summary>
public static class AdminRegisterCommands
{
    public static IEnumerable<Command> All() => [Register(), Notice(), Api()];

    private static readonly Option<string?> SharedSecretFile = new("--shared-secret-file") { Description = "File (0600) holding the homeserver's registration_shared_secret [env: SOLTI_MATRIX_REGISTRATION_SHARED_SECRET holds the secret itself]" };

    private static Command Register()
    {
        var username = new Argument<string>("username") { Description = "Local part (admin) or full user id (@admin:example.com) of the user to register" };
        var admin = new Option<bool>("--admin") { Description = "Make the user a server admin" };
        var userType = new Option<string?>("--user-type") { Description = "bot or support" };
        var displayName = new Option<string?>("--displayname") { Description = "The user's display name" };
        var command = new Command("register", "Register a user (a new homeserver's first admin) with the registration shared secret, no token needed; " +
            "the password from --password-file or MATRIX_PASSWORD; an existing user is left as it is (created: false)") { username, admin, userType, displayName, SharedSecretFile };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse, async () =>
        {
            var given = parse.GetValue(username)!;
            var userId = given.StartsWith('@') ? MatrixId.Require(MatrixIdKind.User, given, "username") : null;
            var localpart = userId is null
                ? MatrixId.LocalpartProblem(MatrixIdKind.User, given) is { } problem ? throw new ArgumentException($"username: {problem}, got '{given}'") : given
                : MatrixId.Localpart(userId);
            if (!UserTypes.TryParse(parse.GetValue(userType), out var type))
            {
                throw new ArgumentException($"--user-type must be {UserTypes.Expected}, got '{parse.GetValue(userType)}'");
            }

            var secret = ClientFactory.Secret(parse, SharedSecretFile, "SOLTI_MATRIX_REGISTRATION_SHARED_SECRET");
            var password = ClientFactory.Password(parse);
            if (string.IsNullOrEmpty(secret) || string.IsNullOrEmpty(password))
            {
                throw new ArgumentException(string.IsNullOrEmpty(secret)
                    ? "register needs the registration shared secret: --shared-secret-file FILE (0600) or SOLTI_MATRIX_REGISTRATION_SHARED_SECRET"
                    : "register needs the new user's password: --password-file FILE or MATRIX_PASSWORD");
            }

            using var client = ClientFactory.Anonymous(parse);
            var outcome = await new SharedSecretRegistration(client.Session.Http).RegisterAsync(new SharedSecretUser(localpart, password, parse.GetValue(admin), type, parse.GetValue(displayName)), secret, ct);
            CliOutput.Write(parse, new JsonObject { ["user_id"] = outcome.UserId ?? userId, ["created"] = outcome.Created });
        }));
        return command;
    }

    private static Command Notice()
    {
        var users = new Option<string[]>("--user") { Description = "A user to notify (repeat for more)", AllowMultipleArgumentsPerToken = false };
        var pattern = new Option<string?>("--pattern") { Description = "Every local user whose full id matches this glob, e.g. '@*:example.com' (deactivated users skipped)" };
        var message = new Option<string?>("--message") { Description = "The notice's text (an m.text message)" };
        var contentFile = new Option<string?>("--content-file") { Description = "A JSON file with the notice's m.room.message content" };
        var send = new Command("send", "Send a server notice (needs server_notices in the homeserver's configuration); one transaction id per user") { users, pattern, message, contentFile };
        send.SetAction((parse, ct) => CommandRunner.RunAsync(parse, async () =>
        {
            var list = parse.GetValue(users) ?? [];
            var glob = parse.GetValue(pattern);
            if ((list.Length > 0) == (glob is not null))
            {
                throw new ArgumentException("notice send needs --user (one or more) or --pattern, not both");
            }

            if ((parse.GetValue(message) is null) == (parse.GetValue(contentFile) is null))
            {
                throw new ArgumentException("notice send needs --message TEXT or --content-file FILE, not both");
            }

            var content = parse.GetValue(message) is { } text
                ? new JsonObject { ["msgtype"] = "m.text", ["body"] = text }
                : JsonNode.Parse(File.ReadAllText(parse.GetValue(contentFile)!)) as JsonObject ?? throw new ArgumentException("--content-file must hold a JSON object (an m.room.message content)");
            using var client = ClientFactory.Create(parse);
            var admin = ClientFactory.Admin(parse, client);
            var output = new JsonObject();
            IReadOnlyList<string> recipients;
            if (glob is not null)
            {
                (recipients, var skipped) = await admin.NoticeRecipientsAsync(glob, ct);
                output["skipped_deactivated"] = skipped;
            }
            else
            {
                recipients = [.. list.Select((u, i) => MatrixId.Require(MatrixIdKind.User, u, $"--user[{i}]")).Distinct(StringComparer.Ordinal)];
            }

            var eventIds = new List<string>();
            try
            {
                await admin.SendServerNoticesAsync(recipients, content, eventIds, ct);
            }
            catch (MatrixException e) when (eventIds.Count > 0)
            {
                throw new MatrixException(e.Status, e.Errcode, $"{e.Error}; the notice went to {string.Join(", ", recipients.Take(eventIds.Count))} and not to {string.Join(", ", recipients.Skip(eventIds.Count))}", inner: e);
            }

            output["users"] = new JsonArray([.. recipients.Select(u => (JsonNode)u)]);
            output["event_ids"] = new JsonArray([.. eventIds.Select(id => (JsonNode)id)]);
            CliOutput.Write(parse, output);
        }));
        return new Command("notice", "Server notices") { send };
    }

    private static Command Api()
    {
        var method = new Argument<string>("method") { Description = "GET, POST, PUT or DELETE" };
        var path = new Argument<string>("path") { Description = "A path under /_synapse/admin/ or /_matrix/client/ (with its query string)" };
        var body = new Option<string?>("--body") { Description = "The JSON body, or @FILE to read it from a file" };
        var statuses = new Option<int[]>("--status-code") { Description = "A status that counts as success (repeat for more; default 200)" };
        var command = new Command("api", "Call any admin API endpoint as the admin (the raw escape hatch); prints the status and the JSON answer, tokens included") { method, path, body, statuses };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse, async () =>
        {
            var verb = parse.GetValue(method)!.ToUpperInvariant();
            if (verb is not ("GET" or "POST" or "PUT" or "DELETE"))
            {
                throw new ArgumentException($"method must be GET, POST, PUT or DELETE, got '{parse.GetValue(method)}'");
            }

            var target = parse.GetValue(path)!;
            if (SynapseAdminClient.RawPathProblem(target) is { } problem)
            {
                throw new ArgumentException($"path {problem}, got '{target}'");
            }

            JsonNode? json = null;
            if (parse.GetValue(body) is { } given)
            {
                try
                {
                    json = JsonNode.Parse(given.StartsWith('@') ? File.ReadAllText(given[1..]) : given);
                }
                catch (System.Text.Json.JsonException e)
                {
                    throw new ArgumentException($"--body is not JSON: {e.Message}");
                }
            }

            var accepted = parse.GetValue(statuses) is { Length: > 0 } codes ? codes : [200];
            using var client = ClientFactory.Create(parse);
            var answer = await ClientFactory.Admin(parse, client).RawAsync(new HttpMethod(verb), target, json, accepted, ct);
            CliOutput.Write(parse, new JsonObject { ["status"] = answer.Status, ["json"] = answer.Json?.DeepClone() });
        }));
        return command;
    }
}
