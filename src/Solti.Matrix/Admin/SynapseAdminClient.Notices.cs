namespace Solti.Matrix;

/// <summary>Server notices (<c>PUT /v1/send_server_notice/{txnId}</c>): one transaction id per user and notice, so
/// that a retry of a notice the server already sent answers its event id instead of sending it twice.</summary>
public partial class SynapseAdminClient
{
    /// <summary>Sends <paramref name="content"/> (an <c>m.room.message</c> content) as a server notice to
    /// <paramref name="userId"/> and returns its event id. A server without <c>server_notices</c> configured fails saying
    /// how to configure them (the server's errcode kept).</summary>
    public virtual async Task<string> SendServerNoticeAsync(string userId, JsonObject content, string transactionId, CancellationToken cancellationToken = default)
    {
        var path = MatrixPath.Build(MatrixPath.Admin, "v1", "send_server_notice", PathPart.Value(transactionId));
        try
        {
            var reply = await session.SendAsync(MatrixRequest.Put(path, new JsonObject { ["user_id"] = userId, ["content"] = content.DeepClone() }), cancellationToken);
            return reply["event_id"]?.GetValue<string>() ?? throw new MatrixException(0, MatrixErrorCodes.BadResponse, $"PUT /{path} answered no event_id");
        }
        catch (MatrixException e) when (e.Status == 400 && e.Error.Contains("not enabled", StringComparison.OrdinalIgnoreCase))
        {
            throw new MatrixException(e.Status, e.Errcode,
                "server notices are not enabled on this homeserver: set server_notices.system_mxid_localpart (and room_name) in its configuration " +
                $"(the server said: {e.Error})", inner: e) { HasMatrixBody = e.HasMatrixBody };
        }
    }

    /// <summary>Sends <paramref name="content"/> to each of <paramref name="users"/> in turn (one transaction id per user,
    /// from one run id), adding each event id to <paramref name="eventIds"/> as it goes: when a notice fails, the
    /// <see cref="MatrixException"/> propagates and <paramref name="eventIds"/> holds the notices of the users before it.</summary>
    public async Task SendServerNoticesAsync(IReadOnlyList<string> users, JsonObject content, List<string> eventIds, CancellationToken cancellationToken = default)
    {
        var run = Sending.TransactionIds.New();
        for (var i = eventIds.Count; i < users.Count; i++)
        {
            eventIds.Add(await SendServerNoticeAsync(users[i], content, $"{run}-{i}", cancellationToken));
        }
    }

    /// <summary>The local users whose full id matches the glob <paramref name="pattern"/> (<see cref="GlobMatches"/>),
    /// every page read, in order; deactivated ones are left out and counted.</summary>
    public async Task<(IReadOnlyList<string> Users, int SkippedDeactivated)> NoticeRecipientsAsync(string pattern, CancellationToken cancellationToken = default)
    {
        var (accounts, _) = await (await AccountsAsync(cancellationToken)).ListAsync(new Accounts.AccountQuery(Deactivated: true), cancellationToken);
        var matching = accounts.Where(a => GlobMatches(pattern, a.UserId)).ToList();
        return ([.. matching.Where(a => !a.Deactivated).Select(a => a.UserId).Order(StringComparer.Ordinal)], matching.Count(a => a.Deactivated));
    }

    /// <summary>Whether <paramref name="userId"/> matches the glob <paramref name="pattern"/> (<c>*</c> any run of
    /// characters, <c>?</c> one character, the rest literal, case-sensitive), matched against the whole user id.</summary>
    public static bool GlobMatches(string pattern, string userId)
    {
        int p = 0, s = 0, star = -1, mark = 0;
        while (s < userId.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == userId[s]))
            {
                p++;
                s++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = s;
            }
            else if (star >= 0)
            {
                p = star + 1;
                s = ++mark;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
