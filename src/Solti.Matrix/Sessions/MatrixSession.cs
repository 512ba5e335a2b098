using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace Solti.Matrix.Sessions;

/// <summary>A self-healing session for one (homeserver, user). Only <c>401 M_UNKNOWN_TOKEN</c>/<c>M_MISSING_TOKEN</c>
/// start recovery, which tries in order: (1) the cached token if it differs from the one that failed, (2) the refresh
/// token, (3) password login with the same device_id; the original request is retried once after each success.
/// Steps 2 and 3 run under an inter-process lock, re-reading the cache first, so N processes make one login. The
/// request, the recovery and the retry after it share one <see cref="CallBudget"/>: a heal never restarts the clock.</summary>
public sealed class MatrixSession
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
        SendAsync(request, CallBudget.Start(_http.Options.Retry.TotalBudget), cancellationToken);

    /// <summary>Sends a message (an event <c>PUT</c>, the requests <c>rc_message</c> limits) in this user's send slot on
    /// this host (<see cref="CredentialCache.SendSlotAsync"/>): the processes and delivery lanes of one user take turns,
    /// each holding the slot through its attempts and the waits the server asks for, instead of colliding on the
    /// homeserver's limit and spending their retries on each other. Waiting for the slot counts against the call's
    /// budget. Without a credential cache (or a known user) the request goes out at once.</summary>
    public async Task<JsonNode> SendMessageAsync(MatrixRequest request, CancellationToken cancellationToken)
    {
        var budget = CallBudget.Start(_http.Options.Retry.TotalBudget);
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

    /// <summary>As <see cref="SendAsync(MatrixRequest, CancellationToken)"/>, within <paramref name="budget"/>.</summary>
    private async Task<JsonNode> SendAsync(MatrixRequest request, CallBudget budget, CancellationToken cancellationToken)
    {
        var log = new RecoveryLog(budget);
        if (_current is null && !await HealAsync(null, log, cancellationToken))
        {
            throw new SessionRecoveryException(_options.UserId ?? "(no user_id)", ["no access token was given", .. log.Failures], log.LastError);
        }

        while (true)
        {
            var token = _current!.AccessToken;
            try
            {
                return await _http.SendAsync(request, token, log.Budget, cancellationToken);
            }
            catch (MatrixException e) when (e.IsTokenError)
            {
                log.LastError ??= e;
                log.Failures.Add($"the token was rejected ({e.Errcode}{(e.SoftLogout == true ? ", soft logout" : "")})");
                _logger.LogInformation("{Request}: token rejected ({Errcode}); recovering the session of {User}", request, e.Errcode, UserId);
                if (!await HealAsync(token, log, cancellationToken))
                {
                    throw new SessionRecoveryException(UserId ?? "(no user_id)", log.Failures, log.LastError);
                }
            }
        }
    }

    /// <summary>A password login now, with the same device as always (rotation); the old token of that device dies.</summary>
    public async Task LoginAsync(CancellationToken cancellationToken)
    {
        var log = new RecoveryLog(CallBudget.Start(_http.Options.Retry.TotalBudget));
        await _heal.WaitAsync(cancellationToken);
        try
        {
            if (!await TryPasswordAsync(log, cancellationToken))
            {
                throw new SessionRecoveryException(UserId ?? "(no user_id)", log.Failures, log.LastError);
            }
        }
        finally
        {
            _heal.Release();
        }
    }

    /// <summary>Makes the live session findable in the credential cache under <paramref name="owner"/>, the user whose
    /// token it holds (as whoami names it), so that a <see cref="TokenReference"/> to it resolves: a session that healed
    /// is there already; one that started from a given token and was never rejected is written when the cache holds no
    /// session of that user (one it holds is left as it is). True when the cache holds a session of the user afterwards;
    /// false without a cache (<see cref="SessionOptions.UseCache"/> off, as in check mode) or without a token.</summary>
    public bool Remember(string owner, string? deviceId)
    {
        if (_store is null || _current is null)
        {
            return false;
        }

        var homeserver = _http.Options.Homeserver;
        if (_store.Read(homeserver, owner) is null)
        {
            _store.Write(homeserver, StoredSession.Of(owner, _current with { DeviceId = _current.DeviceId ?? deviceId }));
        }

        return true;
    }

    /// <summary>Removes this user's session from the credential cache (after a logout).</summary>
    public void ForgetCached()
    {
        if (_cache is not null)
        {
            _cache.Delete(_http.Options.Homeserver, _options.UserId!);
        }
    }

    /// <summary>One call's recovery: its budget, the steps tried, why each failed, and the error to report (a login's,
    /// when one failed).</summary>
    private sealed class RecoveryLog(CallBudget budget)
    {
        public CallBudget Budget => budget;

        public HashSet<RecoveryStep> Tried { get; } = [];

        public List<string> Failures { get; } = [];

        public MatrixException? LastError { get; set; }
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

            if (log.Tried.Add(RecoveryStep.Cache) && TryCache(failedToken, log))
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
        if (!log.Tried.Add(RecoveryStep.Refresh) || refreshable is null)
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

    private async Task<bool> TryPasswordAsync(RecoveryLog log, CancellationToken cancellationToken)
    {
        if (!log.Tried.Add(RecoveryStep.PasswordLogin))
        {
            return false;
        }

        if (_options.UserId is null || string.IsNullOrEmpty(_options.Password))
        {
            log.Failures.Add($"{RecoveryStep.PasswordLogin.Name()}: no user_id and password were given");
            return false;
        }

        var deviceId = _options.DeviceId ?? _current?.DeviceId ?? StableDeviceId(_options.UserId);
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
        if (_cache is not null && step != RecoveryStep.Cache)
        {
            _cache.Write(_http.Options.Homeserver, StoredSession.Of(_options.UserId!, _current));
        }
    }

    /// <summary>The same id for the same user on the same host and OS account, so even a lost cache never adds a device.</summary>
    public static string StableDeviceId(string userId)
    {
        var key = $"{userId}\n{Environment.MachineName}\n{Environment.UserName}";
        var hash = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key));
        return "SOLTI" + string.Concat(hash.Take(5).Select(b => (char)('A' + (b % 26))));
    }
}
