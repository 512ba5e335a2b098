using System.Text.Json;
using Solti.Matrix.Errors;
using Solti.Matrix.Accounts;
using Solti.Matrix.Identifiers;

namespace Solti.Matrix.Commands;

/// <summary><c>user list</c>'s filters and the moderation subcommands of <c>user</c>: <c>shadow-ban</c>, <c>redact</c>
/// (Synapse 1.116 and later) and <c>validity</c> (account validity, only without MAS), through the same library calls as
/// <c>synapse_user</c>.</summary>
public static class AdminUserCommands
{
    /// <summary><c>user list</c> with the filters of Synapse's user list (<see cref="AccountQuery"/>).</summary>
    internal static Command List()
    {
        var name = new Option<string?>("--name") { Description = "Part of the user id or display name" };
        var admins = new Option<bool?>("--admins") { Description = "Only admins (true) or only non-admins (false)" };
        var deactivated = new Option<bool>("--deactivated") { Description = "Include deactivated accounts" };
        var guests = new Option<bool?>("--guests") { Description = "Include guest accounts (true, the server's default) or not (false)" };
        var userType = new Option<string?>("--user-type") { Description = "Only accounts of this type: bot, support or none" };
        var locked = new Option<bool>("--locked") { Description = "Include locked accounts" };
        var list = new Command("list", "List accounts (every page); total is the number matching the filters") { name, admins, deactivated, guests, userType, locked };
        list.SetAction((parse, ct) => AdminCommands.Run(parse, async admin =>
        {
            var type = parse.GetValue(userType) is { } text
                ? Config.UserTypes.TryParse(text, out var parsed) ? parsed ?? "" : throw new ArgumentException($"--user-type must be {Config.UserTypes.Expected}, got '{text}'")
                : null;
            var query = new AccountQuery(parse.GetValue(name), parse.GetValue(admins), parse.GetValue(deactivated))
            {
                Guests = parse.GetValue(guests),
                Locked = parse.GetValue(locked),
                UserTypes = type is null ? null : [type],
            };
            var (users, total) = await (await admin.AccountsAsync(ct)).ListAsync(query, ct);
            return new JsonObject { ["users"] = new JsonArray([.. users.Select(u => (JsonNode)u.ToJson())]), ["total"] = total };
        }));
        return list;
    }

    /// <summary><c>shadow-ban</c>, <c>redact</c> and <c>validity</c>.</summary>
    internal static IEnumerable<Command> Moderation() => [ShadowBan(), Redact(), Validity()];

    private static Command ShadowBan()
    {
        var userId = new Argument<string>("user_id") { Description = "Full user id" };
        var off = new Option<bool>("--off") { Description = "Lift the shadow-ban" };
        var command = new Command("shadow-ban", "Shadow-ban an account (its requests succeed, what it sends reaches nobody), or lift it with --off") { userId, off };
        command.SetAction((parse, ct) => AdminCommands.Run(parse, async admin =>
        {
            var user = MatrixId.Require(MatrixIdKind.User, parse.GetValue(userId), "user_id");
            var banned = !parse.GetValue(off);
            var before = await (await admin.AccountsAsync(ct)).GetAsync(user, ct) ?? throw new MatrixException(404, MatrixErrorCodes.NotFound, $"no account {user}");
            var was = before["shadow_banned"] is JsonValue v && v.GetValueKind() == JsonValueKind.True;
            if (was != banned)
            {
                await admin.SetShadowBanAsync(user, banned, ct);
            }

            return new JsonObject { ["user_id"] = user, ["shadow_banned"] = banned, ["changed"] = was != banned };
        }));
        return command;
    }

    private static Command Redact()
    {
        var userId = new Argument<string>("user_id") { Description = "Full user id" };
        var rooms = new Option<string[]>("--room") { Description = "Only in this room (repeatable; none: every room the user is in)", AllowMultipleArgumentsPerToken = false };
        var reason = new Option<string?>("--reason") { Description = "The reason each redaction carries (visible to users)" };
        var limit = new Option<int?>("--limit") { Description = "How many of the user's newest events to look at in each room (the server's default: 1000)" };
        var noWait = new Option<bool>("--no-wait") { Description = "Print the redact_id and return at once instead of following the task to its end" };
        var command = new Command("redact", "Redact a user's events (Synapse 1.116 and later; the status is kept 24 hours)") { userId, rooms, reason, limit, noWait };
        command.SetAction((parse, ct) => AdminCommands.Run(parse, async admin =>
        {
            var user = MatrixId.Require(MatrixIdKind.User, parse.GetValue(userId), "user_id");
            var inRooms = (parse.GetValue(rooms) ?? []).Select((r, i) => MatrixId.Require(MatrixIdKind.Room, r, $"--room[{i}]")).ToList();
            if (parse.GetValue(limit) is < 1 and var n)
            {
                throw new ArgumentException($"--limit must be 1 or more, got {n}");
            }

            var redactId = await admin.RedactUserEventsAsync(user, inRooms, parse.GetValue(reason), parse.GetValue(limit), ct);
            var result = new JsonObject { ["user_id"] = user, ["redact_id"] = redactId };
            if (!parse.GetValue(noWait))
            {
                var status = await admin.WaitForRedactionAsync(redactId, ct);
                result["status"] = status["status"]?.DeepClone();
                result["failed_redactions"] = status["failed_redactions"]?.DeepClone() ?? new JsonObject();
                if (status["status"]?.GetValue<string>() == "failed")
                {
                    throw new MatrixException(500, MatrixErrorCodes.Unknown, $"the redaction {redactId} failed");
                }
            }

            return result;
        }));
        return command;
    }

    private static Command Validity()
    {
        var userId = new Argument<string>("user_id") { Description = "Full user id" };
        var expiresAt = new Option<string>("--expires-at") { Description = "When the account expires: a timestamp in ms, an ISO 8601 date, or a duration from now (30d)", Required = true };
        var command = new Command("validity", "Set when an account expires (Synapse's account validity; not available with MAS)") { userId, expiresAt };
        command.SetAction((parse, ct) => AdminCommands.Run(parse, async admin =>
        {
            var user = MatrixId.Require(MatrixIdKind.User, parse.GetValue(userId), "user_id");
            var expiry = AdminArguments.Expiry(parse.GetValue(expiresAt), DateTimeOffset.UtcNow, out var problem)
                ?? throw new ArgumentException("--expires-at must be a timestamp in milliseconds, an ISO 8601 date or a duration from now such as 30d: " + problem);
            if (await admin.AccountValidityRefusalAsync(ct) is { } refusal)
            {
                throw new ArgumentException(refusal);
            }

            return new JsonObject { ["user_id"] = user, ["expiration_ts"] = await admin.SetAccountExpiryAsync(user, expiry, null, ct) };
        }));
        return command;
    }
}
