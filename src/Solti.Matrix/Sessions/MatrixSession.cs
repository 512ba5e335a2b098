using Microsoft.Extensions.Logging;

namespace Solti.Matrix.Sessions;

/// <summary>A self-healing session for one (homeserver, user): the token source (<see cref="ITokenSource"/>) of the
/// pipeline's authentication step (<see cref="MatrixHttpPipeline.SendAuthenticatedAsync"/>), which sends, and on a
/// refusal of the token asks this session for another and sends the same request again. Only
/// <c>401 M_UNKNOWN_TOKEN</c>/<c>M_MISSING_TOKEN</c> start recovery, which tries in order: (1) the cached token if it
/// differs from the one that failed, (2) the refresh token, (3) password login with the same device_id; the original
/// request is retried once after each success. Steps 2 and 3 run under an inter-process lock, re-reading the cache
/// first, so N processes make one login. The request, the recovery and the retry after it share one
/// <see cref="CallBudget"/>: a heal never restarts the clock.</summary>
public sealed class MatrixSession : ITokenSource
{
    private readonly MatrixHttpPipeline _http;
    private readonly SessionOptions _options;
    private readonly CredentialCache? _cache;
    private readonly CredentialCache? _store;
    private readonly LoginApi _login;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _heal = new(1, 1);
    private readonly List<RecoveryStep> _steps = [];
    private SessionCredentials? _current;
    private string? _kept; // the token KeepAsync has nothing more to do for: the cache holds it, or there is no cache
    private string? _lookedUp; // the token Identity last looked for in the cache

    /// <summary>A session over <paramref name="http"/> as <paramref name="options"/> describe it; <paramref name="cache"/>,
    /// when given, is where it finds and keeps its credentials.</summary>
    public MatrixSession(MatrixHttpPipeline http, SessionOptions options, CredentialCache? cache)
    {
        _http = http;
        _options = options;
        _cache = options.UseCache && options.UserId is not null ? cache : null;
        _store = options.UseCache ? cache : null;
        _login = new LoginApi(http);
        _logger = http.Options.LoggerFactory.CreateLogger("Solti.Matrix.Session");
        if (!string.IsNullOrEmpty(options.AccessToken))
        {
            _current = new SessionCredentials(options.AccessToken, options.DeviceId, null, null, null);
        }
    }

    /// <summary>The user the session is for (as the server named it once known, else as configured).</summary>
    public string? UserId => _current?.UserId ?? _options.UserId;

    /// <summary>The device of the live token, when known.</summary>
    public string? DeviceId => _current?.DeviceId;

    /// <summary>The token in use now; callers that must return it do so only when asked.</summary>
    public string? AccessToken => _current?.AccessToken;

    /// <summary>True once any recovery step replaced the token.</summary>
    public bool Reauthenticated { get; private set; }

    /// <summary>Which recovery steps ran, in order.</summary>
    public IReadOnlyList<RecoveryStep> RecoverySteps => _steps;

    /// <summary>The HTTP pipeline the session sends through.</summary>
    public MatrixHttpPipeline Http => _http;

    /// <summary>Sends an authenticated request, healing the session on a token error.</summary>
    public Task<JsonNode> SendAsync(MatrixRequest request, CancellationToken cancellationToken) =>
        SendAsync(request, _http.NewBudget(), cancellationToken);

    /// <summary>Sends a message (an event <c>PUT</c>, the requests <c>rc_message</c> limits) in this user's send slot on
    /// this host (<see cref="CredentialCache.SendSlotAsync"/>): the processes and delivery lanes of one user take turns,
    /// each holding the slot through its attempts and the waits the server asks for, instead of colliding on the
    /// homeserver's limit and spending their retries on each other. Waiting for the slot counts against the call's
    /// budget. Without a credential cache (or a known user) the request goes out at once.</summary>
    public async Task<JsonNode> SendMessageAsync(MatrixRequest request, CancellationToken cancellationToken)
    {
        var budget = _http.NewBudget();
        if (_store is null || UserId is not { } user)
        {
            return await SendAsync(request, budget, cancellationToken);
        }

        var homeserver = _http.Options.Homeserver;
        var turn = SendSlots.GetOrAdd(homeserver.AbsoluteUri + "\n" + user, _ => new SemaphoreSlim(1, 1));
        if (!await turn.WaitAsync(Positive(budget.Remaining), cancellationToken))
        {
            throw SlotTaken(request, user, budget);
        }

        try
        {
            using var slot = await _store.SendSlotAsync(homeserver, user, Positive(budget.Remaining), cancellationToken) ?? throw SlotTaken(request, user, budget);
            return await SendAsync(request, budget, cancellationToken);
        }
        finally
        {
            turn.Release();
        }
    }

    /// <summary>One turn per (homeserver, user) in this process, before the file lock that other processes share.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> SendSlots = new(StringComparer.Ordinal);

    private static TimeSpan Positive(TimeSpan remaining) => remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero;

    private static MatrixException SlotTaken(MatrixRequest request, string user, CallBudget budget) => new(0, MatrixErrorCodes.BudgetExhausted,
        $"{request}: not sent: other sends of {user} on this host held its send slot for the whole budget of {RetryAfter.Describe(budget.Total)} (the homeserver is rate limiting {user}); {RetryRule.RateLimitRemedies}");

    /// <summary>As <see cref="SendAsync(MatrixRequest, CancellationToken)"/>, within <paramref name="budget"/>: the
    /// pipeline's authentication step, with this session as its token source.</summary>
    private Task<JsonNode> SendAsync(MatrixRequest request, CallBudget budget, CancellationToken cancellationToken) =>
        _http.SendAuthenticatedAsync(request, this, budget, cancellationToken);

    /// <summary>The live token; without one (none was given), the recovery steps in order.</summary>
    async Task<string?> ITokenSource.TokenAsync(RecoveryLog log, CancellationToken cancellationToken)
    {
        if (_current is null && !await HealAsync(null, log, cancellationToken))
        {
            log.Failures.Insert(0, "no access token was given");
            return null;
        }

        return _current!.AccessToken;
    }

    /// <summary>Only <c>401 M_UNKNOWN_TOKEN</c>/<c>M_MISSING_TOKEN</c> (<see cref="MatrixException.IsTokenError"/>); a 403
    /// never is.</summary>
    bool ITokenSource.IsBadToken(MatrixException refusal) => refusal.IsTokenError;

    /// <summary>The next recovery step that gives a token other than <paramref name="refused"/>.</summary>
    async Task<string?> ITokenSource.RenewAsync(string refused, MatrixException refusal, RecoveryLog log, CancellationToken cancellationToken)
    {
        log.LastError ??= refusal;
        log.Failures.Add($"the token was rejected ({refusal.Errcode}{(refusal.SoftLogout == true ? ", soft logout" : "")})");
        _logger.LogInformation("{Request}: token rejected ({Errcode}); recovering the session of {User}", log.Request, refusal.Errcode, UserId);
        return await HealAsync(refused, log, cancellationToken) ? _current!.AccessToken : null;
    }

    /// <summary>A <see cref="SessionRecoveryException"/>: each step tried and why it failed.</summary>
    MatrixException ITokenSource.GiveUp(RecoveryLog log) => Unrecovered(log);

    private SessionRecoveryException Unrecovered(RecoveryLog log) => new(UserId ?? "(no user_id)", log.Failures, log.LastError);

    /// <summary>Who the session's token belongs to (<c>/account/whoami</c>: <c>user_id</c>, <c>device_id</c>), healing as
    /// any request does.</summary>
    public async Task<JsonObject> WhoAmIAsync(CancellationToken cancellationToken) =>
        (JsonObject)await SendAsync(MatrixRequest.Get(MatrixPath.Client + "/account/whoami"), cancellationToken);

    /// <summary>A password login now, with the same device as always (rotation); the old token of that device dies.</summary>
    public async Task LoginAsync(CancellationToken cancellationToken)
    {
        var log = new RecoveryLog(_http.NewBudget());
        await _heal.WaitAsync(cancellationToken);
        try
        {
            if (!await TryPasswordAsync(log, cancellationToken))
            {
                throw Unrecovered(log);
            }
        }
        finally
        {
            _heal.Release();
        }
    }

    /// <summary>Keeps the live session in the credential cache under the user its token belongs to, as a login would, so
    /// that what it queued can be delivered later without a person (an outbox flush, the relay) and a
    /// <see cref="TokenReference"/> to it resolves. A healed session is there already; one that started from a given token
    /// is written (replacing what the cache held for that user) once the server has accepted the token. Costs nothing when
    /// the cache already holds this token, else one <c>whoami</c>, which also tells the session its user and device. Never
    /// writes without a cache (<see cref="SessionOptions.UseCache"/> off, as in check mode). Returns the token's owner and
    /// device (null without a token).</summary>
    public async Task<(string UserId, string? DeviceId)?> KeepAsync(CancellationToken cancellationToken)
    {
        if (_current is null)
        {
            return null;
        }

        if (_current.AccessToken == _kept && _current.UserId is { } known)
        {
            return (known, _current.DeviceId);
        }

        if (CachedRecordOfToken() is { } record)
        {
            Learn(record.UserId, record.DeviceId, record.AccessToken);
            return (record.UserId, _current.DeviceId);
        }

        var token = _current.AccessToken;
        var whoami = await WhoAmIAsync(cancellationToken);
        var owner = whoami["user_id"]?.GetValue<string>() ?? throw new MatrixException(200, MatrixErrorCodes.BadResponse, "whoami answered without user_id");
        if (_current.AccessToken != token)
        {
            return (owner, _current.DeviceId); // the token was replaced by a heal, which wrote the cache
        }

        Learn(owner, whoami["device_id"]?.GetValue<string>(), kept: null);
        if (_store is not null)
        {
            using var processLock = await _store.LockAsync(_http.Options.Homeserver, owner, _options.LoginLockTimeout, cancellationToken);
            _store.Write(_http.Options.Homeserver, StoredSession.Of(owner, _current));
        }

        _kept = token;

        return (owner, _current.DeviceId);
    }

    /// <summary><see cref="KeepAsync"/> after a send that succeeded: the send stands whatever happens here, so a server or
    /// cache failure only means a later send keeps the session; false then, and at once without a cache (nothing to keep
    /// it in, so no request is made).</summary>
    public async Task<bool> TryKeepAsync(CancellationToken cancellationToken)
    {
        if (_store is null)
        {
            return false;
        }

        try
        {
            return await KeepAsync(cancellationToken) is not null;
        }
        catch (Exception e) when (FailureClassification.Of(e) is not null || e is CredentialCacheException)
        {
            _logger.LogInformation("the session of {User} was not kept in the credential cache: {Reason}", UserId, e.Message);
            return false;
        }
    }

    /// <summary>Who the live token belongs to and its device, as far as is known without asking the server: what the session
    /// learned, else the credential cache's record of the same token, else the configured user (device unknown).</summary>
    public (string? UserId, string? DeviceId) Identity()
    {
        if (_current is { UserId: null } or { DeviceId: null } && _current.AccessToken != _lookedUp)
        {
            _lookedUp = _current.AccessToken;
            if (CachedRecordOfToken() is { } record)
            {
                Learn(record.UserId, record.DeviceId, record.AccessToken);
            }
        }

        return (UserId, DeviceId);
    }

    /// <summary>The cache's record that holds the live token: under the user the session knows, else found by the token
    /// (a session given a bare token). Null without a cache, a token, or such a record.</summary>
    private StoredSession? CachedRecordOfToken()
    {
        if (_store is null || _current is null)
        {
            return null;
        }

        var homeserver = _http.Options.Homeserver;
        return (UserId is { } user ? _store.Read(homeserver, user) : null) is { } stored && stored.AccessToken == _current.AccessToken
            ? stored
            : _store.FindByToken(homeserver, _current.AccessToken);
    }

    /// <summary>Records whose the live token is (and its device, when the session did not know it); <paramref name="kept"/>
    /// is the token the cache holds for it.</summary>
    private void Learn(string owner, string? deviceId, string? kept)
    {
        _current = _current! with { UserId = owner, DeviceId = _current.DeviceId ?? deviceId };
        _kept = kept ?? _kept;
    }

    /// <summary>Removes this user's session from the credential cache (after a logout).</summary>
    public void ForgetCached()
    {
        if (_cache is not null)
        {
            _cache.Delete(_http.Options.Homeserver, _options.UserId!);
        }
    }

    /// <summary>Tries the next untried step; true when the session has a new token to retry with.</summary>
    private async Task<bool> HealAsync(string? failedToken, RecoveryLog log, CancellationToken cancellationToken)
    {
        await _heal.WaitAsync(cancellationToken);
        try
        {
            // Another task of this process healed while we waited.
            if (_current is not null && _current.AccessToken != failedToken)
            {
                return true;
            }

            if (log.Tried.Add(RecoveryStep.Cache.Name()) && TryCache(failedToken, log))
            {
                return true;
            }

            if (_cache is null || _options.UserId is null)
            {
                return await TryRefreshAsync(log, cancellationToken) || await TryPasswordAsync(log, cancellationToken);
            }

            using var processLock = await _cache.LockAsync(_http.Options.Homeserver, _options.UserId, _options.LoginLockTimeout, cancellationToken);

            // A process that held the lock before us may have logged in already.
            if (_cache.Read(_http.Options.Homeserver, _options.UserId) is { } fresh && fresh.AccessToken != failedToken && fresh.AccessToken != _current?.AccessToken)
            {
                Adopt(fresh.ToCredentials(), RecoveryStep.Cache);
                return true;
            }

            return await TryRefreshAsync(log, cancellationToken) || await TryPasswordAsync(log, cancellationToken);
        }
        finally
        {
            _heal.Release();
        }
    }

    private bool TryCache(string? failedToken, RecoveryLog log)
    {
        if (_cache is null)
        {
            return false;
        }

        var stored = _cache.Read(_http.Options.Homeserver, _options.UserId!);
        if (stored is null || stored.AccessToken == failedToken)
        {
            log.Failures.Add($"{RecoveryStep.Cache.Name()}: {(stored is null ? "no cached session" : "the cached token is the one that failed")}");
            if (stored is not null)
            {
                // Same token: the cache still knows its device and refresh token.
                _current = _current is null ? stored.ToCredentials() : _current with { DeviceId = _current.DeviceId ?? stored.DeviceId, RefreshToken = _current.RefreshToken ?? stored.RefreshToken };
            }

            return false;
        }

        Adopt(stored.ToCredentials(), RecoveryStep.Cache);
        return true;
    }

    private async Task<bool> TryRefreshAsync(RecoveryLog log, CancellationToken cancellationToken)
    {
        var refreshable = _current?.RefreshToken is not null ? _current : null;
        if (!log.Tried.Add(RecoveryStep.Refresh.Name()) || refreshable is null)
        {
            return false;
        }

        try
        {
            var refreshed = await _login.RefreshAsync(refreshable, log.Budget, cancellationToken);
            Adopt(refreshed, RecoveryStep.Refresh);
            return true;
        }
        catch (MatrixException e) when (e.Kind != FailureKind.Transient)
        {
            log.Failures.Add($"{RecoveryStep.Refresh.Name()}: {e.Errcode}: {e.Error}");
            _current = _current! with { RefreshToken = null };
            return false;
        }
    }

    /// <summary>A password login, on <paramref name="device"/> when given (a move to another device), else on
    /// <see cref="LoginDevice"/>.</summary>
    private async Task<bool> TryPasswordAsync(RecoveryLog log, CancellationToken cancellationToken, string? device = null)
    {
        if (!log.Tried.Add(RecoveryStep.PasswordLogin.Name()))
        {
            return false;
        }

        if (_options.UserId is null || string.IsNullOrEmpty(_options.Password))
        {
            log.Failures.Add($"{RecoveryStep.PasswordLogin.Name()}: no user_id and password were given");
            return false;
        }

        var deviceId = device ?? LoginDevice(_options.UserId);
        try
        {
            if (_options.PrecreateDevice is { } precreate)
            {
                await precreate(_options.UserId, deviceId, cancellationToken);
            }

            var session = await _login.PasswordLoginAsync(_options.UserId, _options.Password, deviceId, _options.DeviceDisplayName, _options.RequestRefreshToken, log.Budget, cancellationToken);
            Adopt(session, RecoveryStep.PasswordLogin);
            return true;
        }
        catch (MatrixException e) when (e.Kind != FailureKind.Transient)
        {
            log.LastError = e;
            log.Failures.Add($"{RecoveryStep.PasswordLogin.Name()} as {_options.UserId} (device {deviceId}): {Terminal(e)}{e.Errcode}: {e.Error}{await NoPasswordsAsync(e, cancellationToken)}");
            return false;
        }
    }

    /// <summary>Why a refused password login can never work, when the homeserver delegates to MAS and MAS takes no
    /// passwords (MAS answers <c>400 M_UNKNOWN</c>; a <c>/login</c> not routed to MAS, <c>404 M_UNRECOGNIZED</c>); else "".</summary>
    private async Task<string> NoPasswordsAsync(MatrixException refusal, CancellationToken cancellationToken)
    {
        if (!refusal.IsUnrecognized && !(refusal.Status == 400 && refusal.Errcode == MatrixErrorCodes.Unknown))
        {
            return "";
        }

        try
        {
            return await Discovery.HomeserverAuthentication.OfAsync(_http, cancellationToken) is { IsDelegated: true } mas
                ? $" (this homeserver signs in through MAS, issuer {mas.Issuer}, which takes no passwords here: give the bot a personal access token, a MAS personal session, as its access token: see docs/mas.md)"
                : "";
        }
        catch (MatrixException)
        {
            return ""; // discovery failed too: the refusal says enough
        }
    }

    private static string Terminal(MatrixException e) => e.Errcode switch
    {
        MatrixErrorCodes.UserDeactivated => "the account is deactivated: ",
        MatrixErrorCodes.UserLocked => "the account is locked: ",
        MatrixErrorCodes.Forbidden => "bad credentials: ",
        MatrixErrorCodes.LimitExceeded => "rate limited: ",
        _ => "",
    };

    private void Adopt(SessionCredentials session, RecoveryStep step)
    {
        // Keep the device we know when the server's answer (refresh) does not repeat it.
        _current = session with { DeviceId = session.DeviceId ?? _current?.DeviceId };
        Reauthenticated = true;
        _steps.Add(step);
        _logger.LogInformation("session of {User} recovered by {Step} (device {Device})", UserId, step.Name(), _current.DeviceId);
        if (_cache is not null)
        {
            if (step != RecoveryStep.Cache)
            {
                _cache.Write(_http.Options.Homeserver, StoredSession.Of(_options.UserId!, _current));
            }

            _kept = _current.AccessToken;
        }
    }

    /// <summary>The device a password login uses: with a configured device, the session's own when it is that device or a
    /// later one of its series (<see cref="DeviceSeries"/>: the device was moved, and the configured one must not come back
    /// with new keys), else the configured one; without one, the session's device, else the stable id.</summary>
    private string LoginDevice(string userId)
    {
        var current = _current?.DeviceId;
        if (_options.DeviceId is not { } configured)
        {
            return current ?? StableDeviceId(userId);
        }

        return current is not null && DeviceSeries.Generation(configured, current) is not null ? current : configured;
    }

    /// <summary>The first id of the series of devices this session's user moves along on this host
    /// (<see cref="DeviceSeries"/>): the configured device id, else <see cref="StableDeviceId"/>.</summary>
    public string DeviceSeriesBase(string userId) => _options.DeviceId ?? StableDeviceId(userId);

    /// <summary>Why this session cannot move to another device (a password login on a new device id, remembered in the
    /// credential cache), or null when it can.</summary>
    public string? CannotMoveDevice() =>
        !HasPassword ? "it has no password (an access token alone is bound to its device)"
        : _cache is null ? "it keeps no credential cache to remember the new device in"
        : null;

    /// <summary>Moves the session to device <paramref name="deviceId"/> with a password login, under the login lock
    /// (<see cref="CredentialCache.LockAsync"/>) so that the processes of this host agree: unless the credential cache,
    /// read under that lock, already holds a session on a device that <paramref name="movedAlready"/> accepts (another
    /// process moved first), which is adopted instead. The new session is written to the cache, which remembers the
    /// device. Returns the device the session is on now. Needs <see cref="CannotMoveDevice"/> null.</summary>
    public async Task<string> MoveDeviceAsync(string deviceId, Func<string, bool> movedAlready, CancellationToken cancellationToken)
    {
        if (CannotMoveDevice() is { } reason)
        {
            throw new InvalidOperationException("this session cannot move to another device: " + reason);
        }

        var userId = _options.UserId!;
        var log = new RecoveryLog(_http.NewBudget());
        await _heal.WaitAsync(cancellationToken);
        try
        {
            using var processLock = await _cache!.LockAsync(_http.Options.Homeserver, userId, _options.LoginLockTimeout, cancellationToken);
            if (_cache.Read(_http.Options.Homeserver, userId) is { DeviceId: { } cached } stored && movedAlready(cached))
            {
                Adopt(stored.ToCredentials(), RecoveryStep.Cache);
                return cached;
            }

            return await TryPasswordAsync(log, cancellationToken, deviceId) ? _current!.DeviceId ?? deviceId : throw Unrecovered(log);
        }
        finally
        {
            _heal.Release();
        }
    }

    /// <summary>Deletes some of the user's own devices (<c>POST /delete_devices</c>, their keys and tokens with them), with the
    /// user-interactive authentication the homeserver asks: the password. Needs <see cref="CannotMoveDevice"/> null.</summary>
    public async Task DeleteOwnDevicesAsync(IReadOnlyList<string> deviceIds, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["devices"] = new JsonArray([.. deviceIds.Select(id => (JsonNode)id)]),
            ["auth"] = LoginApi.PasswordAuth(_options.UserId!, _options.Password!),
        };
        await SendAsync(MatrixRequest.Post(MatrixPath.Client + "/delete_devices", body), cancellationToken);
    }

    /// <summary>Posts <paramref name="body"/> to <paramref name="path"/>, answering the user-interactive authentication
    /// the homeserver asks (the first upload of cross-signing keys on Synapse 1.67, replacing them on any) with the
    /// password: the same body again with <c>auth</c> <c>m.login.password</c> in the server's <c>session</c>. When the
    /// server asks a stage the session cannot give (it has no password, or no flow is the password alone), its refusal is
    /// thrown as it came: <see cref="MatrixException.UserInteractiveAuth"/> says what it asked.</summary>
    public async Task<JsonNode> PostWithPasswordAuthAsync(string path, JsonObject body, CancellationToken cancellationToken)
    {
        try
        {
            return await SendAsync(MatrixRequest.Post(path, body), cancellationToken);
        }
        catch (MatrixException e) when (e.UserInteractiveAuth is { } asked && HasPassword && OffersPasswordAlone(asked))
        {
            var auth = LoginApi.PasswordAuth(_options.UserId!, _options.Password!);
            auth["session"] = asked["session"]?.DeepClone();
            var again = (JsonObject)body.DeepClone();
            again["auth"] = auth;
            return await SendAsync(MatrixRequest.Post(path, again), cancellationToken);
        }
    }

    /// <summary>Whether the session has the user's password (for a login or a user-interactive authentication).</summary>
    public bool HasPassword => _options.UserId is not null && !string.IsNullOrEmpty(_options.Password);

    /// <summary>Whether a user-interactive authentication offers a flow that is the password alone.</summary>
    public static bool OffersPasswordAlone(JsonObject asked) =>
        asked["flows"] is JsonArray flows && flows.Any(f => f?["stages"] is JsonArray stages && stages.Count == 1 && stages[0] is JsonValue stage && stage.TryGetValue<string>(out var name) && name == "m.login.password");

    /// <summary>The same id for the same user on the same host and OS account, so even a lost cache never adds a device.</summary>
    public static string StableDeviceId(string userId)
    {
        var key = $"{userId}\n{Environment.MachineName}\n{Environment.UserName}";
        var hash = Crypto.Primitives.Sha256(System.Text.Encoding.UTF8.GetBytes(key)); // BouncyCastle's: no OpenSSL load on the login path
        return "SOLTI" + string.Concat(hash.Take(5).Select(b => (char)('A' + (b % 26))));
    }
}
