namespace Solti.Matrix;

/// <summary>Moderating an account through Synapse's admin API (Synapse's on any homeserver, also one that delegates to
/// MAS): shadow-ban, the async redaction of a user's events (Synapse 1.116 and later), and account validity (only
/// without MAS).</summary>
public partial class SynapseAdminClient
{
    /// <summary>The release that added the user redaction API (PR #17506).</summary>
    public const string RedactionRelease = "1.116";

    /// <summary>Shadow-bans the user (<c>POST /v1/users/{id}/shadow_ban</c>), or lifts it (<c>DELETE</c>): a shadow-banned
    /// user's requests succeed but what they send reaches nobody.</summary>
    public virtual Task SetShadowBanAsync(string userId, bool banned, CancellationToken cancellationToken = default)
    {
        var path = MatrixPath.Build(MatrixPath.Admin, "v1", "users", PathPart.Value(userId), "shadow_ban");
        return Session.SendAsync(banned ? MatrixRequest.Post(path, new JsonObject()) : MatrixRequest.Delete(path), cancellationToken);
    }

    /// <summary>Starts redacting the user's events (<c>POST /v1/user/{id}/redact</c>) in <paramref name="rooms"/> (empty:
    /// every room the user is in); returns the <c>redact_id</c>. A server older than Synapse 1.116 fails saying so.</summary>
    public virtual async Task<string> RedactUserEventsAsync(string userId, IReadOnlyList<string> rooms, string? reason, int? limit, CancellationToken cancellationToken = default)
    {
        var body = new JsonObject { ["rooms"] = new JsonArray([.. rooms.Select(r => (JsonNode)r)]) };
        if (reason is not null)
        {
            body["reason"] = reason;
        }

        if (limit is { } n)
        {
            body["limit"] = n;
        }

        try
        {
            var answer = await Session.SendAsync(MatrixRequest.Post(MatrixPath.Build(MatrixPath.Admin, "v1", "user", PathPart.Value(userId), "redact"), body, idempotent: false), cancellationToken);
            return answer["redact_id"]?.GetValue<string>() ?? throw new MatrixException(0, MatrixErrorCodes.BadResponse, "the redaction answer has no redact_id");
        }
        catch (MatrixException e) when (e.IsUnrecognized)
        {
            throw new MatrixException(e.Status, e.Errcode, $"redacting a user's events needs Synapse {RedactionRelease} or later (the server does not serve /_synapse/admin/v1/user/{{user_id}}/redact)", inner: e)
            {
                HasMatrixBody = e.HasMatrixBody,
            };
        }
    }

    /// <summary>A redaction's status (<c>GET /v1/user/redact_status/{id}</c>): <c>status</c> (<c>scheduled</c>,
    /// <c>active</c>, <c>complete</c>, <c>failed</c>) and <c>failed_redactions</c> (event id → error). Synapse keeps it 24
    /// hours after the task ends (or until it restarts); later it answers 404.</summary>
    public virtual async Task<JsonObject> RedactionStatusAsync(string redactId, CancellationToken cancellationToken = default) =>
        (JsonObject)await Session.SendAsync(MatrixRequest.Get(MatrixPath.Build(MatrixPath.Admin, "v1", "user", "redact_status", PathPart.Value(redactId))), cancellationToken);

    /// <summary>Follows a redaction until it is <c>complete</c> or <c>failed</c>, as a purge is followed
    /// (<see cref="FollowAsync"/>: within the client's budget, on its clock); the last status (still <c>scheduled</c> or
    /// <c>active</c> when the budget ran out).</summary>
    public virtual Task<JsonObject> WaitForRedactionAsync(string redactId, CancellationToken cancellationToken = default) =>
        FollowAsync(ct => RedactionStatusAsync(redactId, ct), status => status is not ("complete" or "failed"), cancellationToken);

    /// <summary>Sets when the account expires (<c>POST /v1/account_validity/validity</c>); returns the expiry the server
    /// stored (ms since the epoch). Synapse answers the same whether or not <c>account_validity</c> is enabled in its
    /// configuration (disabled, nothing is stored); with MAS it does not serve the endpoint.</summary>
    public virtual async Task<long> SetAccountExpiryAsync(string userId, long expirationTs, bool? renewalEmails, CancellationToken cancellationToken = default)
    {
        var body = new JsonObject { ["user_id"] = userId, ["expiration_ts"] = expirationTs };
        if (renewalEmails is { } emails)
        {
            body["enable_renewal_emails"] = emails;
        }

        var answer = await Session.SendAsync(MatrixRequest.Post(MatrixPath.Admin + "/v1/account_validity/validity", body), cancellationToken);
        return answer["expiration_ts"] is JsonValue v && v.TryGetValue<long>(out var ts) ? ts : expirationTs;
    }
}
