namespace Solti.Matrix.Homeserver.Configuration;

/// <summary>Behaviour switches that reproduce older Synapse releases and proxies: every version-dependent behaviour a
/// client of ours can observe, each with the Synapse change that introduced it. <see cref="Synapse167"/> is the oldest
/// release we support (<c>solti_homeserver.compat: synapse-1.67</c>); the defaults are the current Synapse.</summary>
public sealed record Compatibility
{
    /// <summary>Unknown endpoints answer <c>400 M_UNRECOGNIZED</c> (a known path with another method too), as Synapse did
    /// before 1.74; since Synapse PR #14621 (1.74) an unknown path is 404 and another method 405.</summary>
    public bool UnrecognizedAs400 { get; init; }

    /// <summary>The status of an <c>M_UNRECOGNIZED</c> answer whose current status is <paramref name="status"/> (404 for an
    /// unknown path, 405 for another method).</summary>
    public int UnrecognizedStatus(int status) => UnrecognizedAs400 ? 400 : status;

    /// <summary>Whose transaction ids de-duplicate sends: the device's since Synapse 1.90 (PR #15629, MSC3970), the access
    /// token's in 1.67.</summary>
    public TxnScope TxnScope { get; init; } = TxnScope.Device;

    /// <summary><c>POST /refresh</c> is served at <c>/_matrix/client/v1/refresh</c> only, as before Synapse 1.72; since PR
    /// #14364 (1.72) at <c>r0</c>/<c>v3</c> only.</summary>
    public bool RefreshAtV1 { get; init; }

    /// <summary><c>/createRoom</c> answers the new alias as <c>room_alias</c> beside <c>room_id</c>, as before Synapse 1.79
    /// (PR #15093 removed it).</summary>
    public bool CreateRoomReturnsAlias { get; init; }

    /// <summary>A password login of a deactivated account answers <c>403 M_USER_DEACTIVATED</c>, as Synapse did before 1.85;
    /// since PR #15634 (1.85) the password check fails first: <c>403 M_FORBIDDEN</c> "Invalid username or password".</summary>
    public bool LoginNamesDeactivation { get; init; }

    /// <summary>The v2 room deletion's status goes <c>shutting_down</c> → <c>purging</c> → <c>complete</c>/<c>failed</c> with
    /// an <c>error</c> on failure, as before Synapse 1.93; since PR #15488 (1.93) <c>scheduled</c> → <c>active</c> →
    /// <c>complete</c>/<c>failed</c>, without <c>error</c>.</summary>
    public bool LegacyRoomDeletionStatus { get; init; }

    /// <summary><c>/keys/upload</c> refuses <c>device_keys</c> naming another user or device (400 <c>M_BAD_JSON</c>), as
    /// Synapse does since 1.140 (PR #17097, the request body validated); before, they were stored as given.</summary>
    public bool KeyUploadChecksOwner { get; init; } = true;

    /// <summary>A first <c>/keys/device_signing/upload</c> (no master key yet) and the same keys again need no
    /// user-interactive auth, as since Synapse 1.110 (PR #17284, MSC3967); 1.67 asks the password for every upload.</summary>
    public bool CrossSigningSetupWithoutAuth { get; init; } = true;

    /// <summary>Send a <c>Retry-After</c> header with 429 (opt-in since Synapse 1.92, PR #16136; on by default since 1.103,
    /// PR #16947); 1.67 sends only <c>retry_after_ms</c>.</summary>
    public bool RetryAfterHeader { get; init; } = true;

    /// <summary>Answer 429 with no Matrix body, as a reverse proxy does.</summary>
    public bool Bare429 { get; init; }

    /// <summary>Admin user objects with 0/1 integers for <c>admin</c>, <c>deactivated</c>, … (booleans since Synapse 1.69, PR
    /// #13556; <c>is_guest</c> since 1.93, PR #16316; in the user list since 1.97, PR #16564) and <c>creation_ts</c> in
    /// seconds (Synapse 1.67).</summary>
    public bool LegacyAdminUserFormat { get; init; }

    /// <summary>The user list (<c>GET /_synapse/admin/v2/users</c>) knows the filters added since 1.67: <c>not_user_type</c>
    /// (Synapse 1.88, PR #15844), <c>admins</c> (1.91, PR #16114) and <c>locked</c> (1.93, PR #16328, which also leaves
    /// locked accounts out by default); 1.67 ignores them and lists locked accounts too.</summary>
    public bool UserListFilters { get; init; } = true;

    /// <summary>The admin API redacts a user's events (<c>POST /_synapse/admin/v1/user/{userId}/redact</c> and
    /// <c>GET …/user/redact_status/{id}</c>), as since Synapse 1.116 (PR #17506); before, they are unknown endpoints.</summary>
    public bool UserRedaction { get; init; } = true;

    /// <summary><c>server_version</c> also reports <c>python_version</c>, as Synapse did before 1.94 (PR #16380).</summary>
    public bool ReportPythonVersion { get; init; }

    /// <summary>Media is authenticated (MSC3916): <c>/_matrix/client/v1/media/config</c> and <c>…/download</c> are served
    /// with an access token, and media uploaded since is refused by the unauthenticated <c>/_matrix/media/v3/download</c>
    /// (404 <c>M_NOT_FOUND</c>), as since Synapse 1.120 (PR #17365 added the endpoints in 1.111; PR #17433, 1.112, added
    /// <c>enable_authenticated_media</c>, which PR #17889 turned on by default in 1.120). 1.67 serves media unauthenticated
    /// under <c>/_matrix/media</c> only, and <c>/_matrix/client/v1/media/…</c> is an unknown endpoint.</summary>
    public bool AuthenticatedMedia { get; init; } = true;

    /// <summary>Media downloads answered as Synapse 1.67 does: <c>Content-Disposition: inline</c> whatever the type, and
    /// only when there is a file name (since PR #15680, 1.87, always sent and <c>attachment</c>; since PR #15988, 1.94,
    /// <c>inline</c> for a list of safe types); unknown media's 404 names the path segments as Python bytes
    /// (<c>Not found [b'server', b'id']</c>; since PR #16419, 1.95, <c>Not found '/path'</c>).</summary>
    public bool LegacyMediaResponses { get; init; }

    /// <summary>Relations as Synapse 1.67: <c>/relations</c> answers <c>original_event</c> too (dropped from the stable path
    /// by PR #14025, 1.69) and pages newest first whatever <c>dir</c> says (stable <c>dir</c>, MSC3715, by 1.70, PR
    /// #14106); an edited event is served with the edit's <c>m.new_content</c> as its content and
    /// <c>unsigned.m.relations.m.replace</c> is <c>{event_id, origin_server_ts, sender}</c> (since PR #15193, 1.79,
    /// MSC3925: the content stays and the whole edit event is bundled).</summary>
    public bool LegacyRelations { get; init; }

    /// <summary>The room versions <c>createRoom</c> accepts and <c>/capabilities</c> lists as stable: 1 to 12 since Synapse 1.135.2
    /// (room version 12: MSC4289 privileged creators, MSC4291 room ids as hashes of the create event; version 11, MSC3820,
    /// PR #15912); 1.67 knows 1 to 10. Any other version is <c>400 M_UNSUPPORTED_ROOM_VERSION</c>.</summary>
    public IReadOnlyList<string> RoomVersions { get; init; } = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"];

    /// <summary>The version of a room created without <c>room_version</c> when the config has no
    /// <c>default_room_version</c>: Synapse's <c>DEFAULT_ROOM_VERSION</c>, "11" since Synapse PR #18680 (MSC4239; "10" since PR
    /// #14111, MSC3904), "9" in 1.67.</summary>
    public string DefaultRoomVersion { get; init; } = "11";

    /// <summary>A history purge (<c>/_synapse/admin/v1/purge_history</c>) runs as Synapse 1.67 ran it: a second purge of a
    /// room while one is active is refused (<c>400 "History purge already in progress for …"</c>), as before Synapse 1.93
    /// (PR #15488 made purges scheduled tasks, queued instead).</summary>
    public bool PurgeHistoryOnePerRoom { get; init; }

    /// <summary>Without <c>delete_local_events</c> a purge keeps the events whose <em>event id</em> ends with
    /// <c>:server_name</c> (only room versions 1 and 2 have such ids, so in any newer room local users' events are purged
    /// anyway), as before Synapse 1.156; since PR #19850 (1.156) it keeps the events whose <em>sender</em> is local.</summary>
    public bool PurgeKeepsLocalByEventId { get; init; }

    /// <summary><c>POST /rooms/{roomId}/report/{eventId}</c> refuses an event the reporter cannot see
    /// (<c>404 M_NOT_FOUND</c>), as since Synapse 1.78 (PR #13779); 1.67 records a report of any event id.</summary>
    public bool ReportChecksEvent { get; init; } = true;

    /// <summary><c>DELETE /_synapse/admin/v1/event_reports/{reportId}</c> is served, as since Synapse 1.79 (PR #15116);
    /// 1.67 answers it as an unknown endpoint.</summary>
    public bool DeletesEventReports { get; init; } = true;
    /// <summary>Delete-by-age-or-size is served at <c>POST /_synapse/admin/v1/media/delete</c> beside the deprecated
    /// <c>/v1/media/{server_name}/delete</c>, as since Synapse 1.78 (PR #14605); 1.67 has only the latter.</summary>
    public bool MediaDeleteWithoutServerName { get; init; } = true;

    /// <summary>One medium is queried with <c>GET /_synapse/admin/v1/media/{origin}/{media_id}</c>
    /// (<c>media_info</c>: <c>quarantined_by</c>, <c>safe_from_quarantine</c>, …), as since Synapse 1.140 (PR #18911);
    /// before, the path answers only <c>DELETE</c> (another method is <c>M_UNRECOGNIZED</c>).</summary>
    public bool MediaQueryById { get; init; } = true;

    /// <summary>Spec versions advertised by <c>/versions</c> (1.67: up to v1.2; each later one added by its own release).</summary>
    public IReadOnlyList<string> SpecVersions { get; init; } = CurrentSpecVersions;

    public static IReadOnlyList<string> CurrentSpecVersions { get; } =
    [
        "r0.0.1", "r0.1.0", "r0.2.0", "r0.3.0", "r0.4.0", "r0.5.0", "r0.6.0", "r0.6.1",
        "v1.1", "v1.2", "v1.3", "v1.4", "v1.5", "v1.6", "v1.7", "v1.8", "v1.9", "v1.10", "v1.11", "v1.12",
    ];

    /// <summary>Everything as Synapse 1.67 does it (the release recorded in shared/reference).</summary>
    public static Compatibility Synapse167 { get; } = new()
    {
        UnrecognizedAs400 = true,
        RefreshAtV1 = true,
        CreateRoomReturnsAlias = true,
        LoginNamesDeactivation = true,
        LegacyRoomDeletionStatus = true,
        TxnScope = TxnScope.AccessToken,
        RetryAfterHeader = false,
        LegacyAdminUserFormat = true,
        ReportPythonVersion = true,
        KeyUploadChecksOwner = false,
        CrossSigningSetupWithoutAuth = false,
        AuthenticatedMedia = false,
        LegacyMediaResponses = true,
        LegacyRelations = true,
        RoomVersions = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"],
        DefaultRoomVersion = "9",
        PurgeHistoryOnePerRoom = true,
        PurgeKeepsLocalByEventId = true,
        ReportChecksEvent = false,
        DeletesEventReports = false,
        MediaDeleteWithoutServerName = false,
        MediaQueryById = false,
        UserListFilters = false,
        UserRedaction = false,
        SpecVersions = ["r0.0.1", "r0.1.0", "r0.2.0", "r0.3.0", "r0.4.0", "r0.5.0", "r0.6.0", "r0.6.1", "v1.1", "v1.2"],
    };
}
