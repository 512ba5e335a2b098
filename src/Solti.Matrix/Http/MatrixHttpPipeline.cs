using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Solti.Matrix.Http;

/// <summary>Every HTTP call goes through here: bearer auth header (a token source's, renewed when refused:
/// <see cref="SendAuthenticatedAsync"/>), per-attempt timeout, and one resilience
/// pipeline (429 waits as asked, 5xx/timeouts/connection failures back off with jitter, other 4xx never retry,
/// every wait capped, a total budget per call).</summary>
public sealed class MatrixHttpPipeline : IDisposable
{
    private static readonly ResiliencePropertyKey<CallState> StateKey = new("solti.call");

    private readonly HttpClient _http;
    private readonly MatrixClientOptions _options;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline<MatrixResponse> _pipeline;

    /// <summary>A pipeline with its own HTTP connection pool, timeouts and retry rules from
    /// <paramref name="options"/>.</summary>
    public MatrixHttpPipeline(MatrixClientOptions options)
    {
        _options = options;
        _logger = options.LoggerFactory.CreateLogger("Solti.Matrix.Http");
        _http = new HttpClient(options.Transport ?? CreateHandler(options), disposeHandler: true)
        {
            BaseAddress = options.Homeserver,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd(options.UserAgent);
        _pipeline = BuildPipeline(options.Retry);
    }

    /// <summary>The options the pipeline was made with.</summary>
    public MatrixClientOptions Options => _options;

    /// <summary>Sends with retries within a budget of its own; returns the JSON body of a 2xx or throws <see cref="MatrixException"/>.</summary>
    public Task<JsonNode> SendAsync(MatrixRequest request, string? accessToken, CancellationToken cancellationToken) =>
        SendAsync(request, accessToken, NewBudget(), cancellationToken);

    /// <summary>A call's budget (<see cref="RetryOptions.TotalBudget"/>) on this pipeline's clock, starting now; inside a
    /// logical call (<see cref="BeginCall"/>), that call's budget.</summary>
    public CallBudget NewBudget() => CallBudget.Current ?? CallBudget.Start(_options.Retry.TotalBudget, _options.Time);

    /// <summary>Starts a logical call of several requests that share one budget (<see cref="CallBudget.Scope"/>): every
    /// <see cref="NewBudget"/> inside it, until disposed, is that budget.</summary>
    public IDisposable BeginCall() => CallBudget.Scope(CallBudget.Start(_options.Retry.TotalBudget, _options.Time));

    /// <summary>The authentication step, the one place a refused token is replaced: sends <paramref name="request"/> with
    /// the token <paramref name="tokens"/> holds (acquiring one when it has none), each send with the retries of
    /// <see cref="SendAsync(MatrixRequest, string?, CallBudget, CancellationToken)"/>; when the source calls a refusal a
    /// bad token (<see cref="ITokenSource.IsBadToken"/>), it renews the token and the same request goes again (the same
    /// object: the same transaction id), as many times as the source has another token, all within
    /// <paramref name="budget"/>. Any other failure is thrown as it is; a source with no token to offer ends the call with
    /// its own error (<see cref="ITokenSource.GiveUp"/>).</summary>
    internal async Task<JsonNode> SendAuthenticatedAsync(MatrixRequest request, ITokenSource tokens, CallBudget budget, CancellationToken cancellationToken)
    {
        var log = new RecoveryLog(budget, request);
        var token = await tokens.TokenAsync(log, cancellationToken) ?? throw tokens.GiveUp(log);
        while (true)
        {
            try
            {
                return await SendAsync(request, token, budget, cancellationToken);
            }
            catch (MatrixException refusal) when (tokens.IsBadToken(refusal))
            {
                token = await tokens.RenewAsync(token, refusal, log, cancellationToken) ?? throw tokens.GiveUp(log);
            }
        }
    }

    /// <summary>Sends with retries within <paramref name="budget"/>, which the caller may share across several requests
    /// (a session's heal and the retry after it).</summary>
    public async Task<JsonNode> SendAsync(MatrixRequest request, string? accessToken, CallBudget budget, CancellationToken cancellationToken)
    {
        if (budget.Remaining <= TimeSpan.Zero)
        {
            throw new MatrixException(0, MatrixErrorCodes.BudgetExhausted, $"{request}: not sent: the call's budget of {RetryAfter.Describe(budget.Total)} ran out");
        }

        var state = new CallState(request, budget);
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(StateKey, state);
        Outcome<MatrixResponse> outcome;
        try
        {
            outcome = await _pipeline.ExecuteOutcomeAsync(
                static async (ctx, arg) =>
                {
                    arg.State.Attempts++;
                    try
                    {
                        return Outcome.FromResult(await arg.Self.AttemptAsync(arg.Request, arg.Token, ctx.CancellationToken));
                    }
                    catch (MatrixException e)
                    {
                        return Outcome.FromException<MatrixResponse>(e);
                    }
                },
                context,
                (Self: this, Request: request, Token: accessToken, State: state));
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }

        if (outcome.Exception is TimeoutRejectedException timedOut)
        {
            var note = $"the call's budget of {RetryAfter.Describe(budget.Total)} ran out";
            if (state.LastFailure is { Result.Failure: FailureKind.RateLimited })
            {
                note += "; " + RetryRule.RateLimitRemedies;
            }

            // The budget ended while waiting to retry: report what the server last said.
            throw state.LastFailure is { Result: { } last }
                ? last.ToException(note)
                : new MatrixException(0, MatrixErrorCodes.BudgetExhausted, $"{request}: no answer: {note}", inner: timedOut);
        }

        outcome.ThrowIfException();
        var response = outcome.Result!;
        if (response.IsSuccess || (request.AlsoAccepted?.Contains(response.Status) == true && response.Failure != FailureKind.Token))
        {
            request.OnStatus?.Invoke(response.Status);
            return response.Body ?? new JsonObject();
        }

        throw response.ToException(StopReason(outcome, state));
    }

    /// <summary>Why the last failed answer was not retried: what the rule says of it.</summary>
    private string? StopReason(Outcome<MatrixResponse> outcome, CallState state) =>
        RetryRule.Decide(outcome, state.Request, state.Attempts - 1, state.Budget.Elapsed, state.Budget.Total, _options.Retry, state.Jitter(state.Attempts - 1)).StopReason;

    /// <summary>Closes the pipeline's HTTP connections.</summary>
    public void Dispose() => _http.Dispose();

    private async Task<MatrixResponse> AttemptAsync(MatrixRequest request, string? accessToken, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(request.Method, request.Path);
        if (request.Authorization is not null)
        {
            message.Headers.Authorization = request.Authorization;
        }
        else if (accessToken is not null)
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        if (request.Content is not null)
        {
            message.Content = request.Content();
        }
        else if (request.Form is not null)
        {
            message.Content = new FormUrlEncodedContent(request.Form);
        }
        else if (request.Body is not null)
        {
            message.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(request.Body.ToJsonString()));
            message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        using var attempt = new CancellationTokenSource(_options.RequestTimeout, _options.Time);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, attempt.Token);
        try
        {
            using var response = await _http.SendAsync(message, request.ReadBody is null ? HttpCompletionOption.ResponseContentRead : HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (request.ReadBody is not null && response.IsSuccessStatusCode)
            {
                await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
                await request.ReadBody(stream, timeout.Token);
                return new MatrixResponse((int)response.StatusCode, null, null);
            }

            var bytes = await response.Content.ReadAsByteArrayAsync(timeout.Token);
            var body = ParseJson(bytes);
            return new MatrixResponse((int)response.StatusCode, body, RetryAfter.From(response.Headers.RetryAfter, body, _options.Time.GetUtcNow()));
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new MatrixException(0, MatrixErrorCodes.Timeout, $"{request}: no answer within {RetryAfter.Describe(_options.RequestTimeout)}", inner: e);
        }
        catch (HttpIOException e)
        {
            // The answer broke off while its body was read (a download): as any failed connection, tried again.
            throw new MatrixException(0, MatrixErrorCodes.ConnectionFailed, $"{request}: {e.Message}", inner: e);
        }
        catch (HttpRequestException e)
        {
            throw new MatrixException(0, MatrixErrorCodes.ConnectionFailed, $"{request}: {e.Message}", inner: e);
        }
    }

    private static JsonNode? ParseJson(byte[] bytes)
    {
        if (bytes.Length == 0)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(bytes);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The call's budget as a timeout around every attempt and wait; inside it, the retries
    /// <see cref="RetryRule"/> decides.</summary>
    private ResiliencePipeline<MatrixResponse> BuildPipeline(RetryOptions retry)
    {
        var builder = new ResiliencePipelineBuilder<MatrixResponse> { TimeProvider = _options.Time };
        builder.AddTimeout(new TimeoutStrategyOptions
        {
            TimeoutGenerator = args => ValueTask.FromResult(Positive(args.Context.Properties.GetValue(StateKey, null!).Budget.Remaining)),
        });
        if (retry.MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions<MatrixResponse>
            {
                MaxRetryAttempts = int.MaxValue, // RetryRule bounds them: 429s by the budget, the rest by MaxAttempts
                ShouldHandle = args =>
                {
                    var state = args.Context.Properties.GetValue(StateKey, null!);
                    return ValueTask.FromResult(RetryRule.Decide(args.Outcome, state.Request, args.AttemptNumber, state.Budget.Elapsed, state.Budget.Total, retry, state.Jitter(args.AttemptNumber)).Retry);
                },
                DelayGenerator = args =>
                {
                    var state = args.Context.Properties.GetValue(StateKey, null!);
                    return ValueTask.FromResult(RetryRule.Delay(args.Outcome, state.Request, args.AttemptNumber, retry, state.Jitter(args.AttemptNumber)));
                },
                OnRetry = args =>
                {
                    var state = args.Context.Properties.GetValue(StateKey, null!);
                    state.LastFailure = args.Outcome;
                    _logger.LogInformation("{Request}: {Reason}; retry {Attempt} in {Delay}{Asked}", state.Request, Describe(args.Outcome), args.AttemptNumber + 1, RetryAfter.Describe(args.RetryDelay),
                        args.Outcome.Result is { Failure: FailureKind.RateLimited } limited ? $" (the server asked {RetryAfter.Describe(limited.AskedWait ?? retry.DefaultRateLimitDelay)}, jitter added)" : "");
                    return ValueTask.CompletedTask;
                },
            });
        }

        return builder.Build();
    }

    /// <summary>Polly applies no timeout at all for zero; a spent budget still has to end the call.</summary>
    private static TimeSpan Positive(TimeSpan remaining) => remaining > TimeSpan.Zero ? remaining : TimeSpan.FromTicks(1);

    private static string Describe(Outcome<MatrixResponse> outcome) =>
        outcome.Exception is MatrixException e ? e.Errcode : $"HTTP {outcome.Result?.Status}";

    private static SocketsHttpHandler CreateHandler(MatrixClientOptions options)
    {
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), ConnectTimeout = options.RequestTimeout };
        if (!options.ValidateCertificates)
        {
            // validate_certs: false is the operator's explicit choice (self-signed lab servers).
#pragma warning disable CA5359
            handler.SslOptions.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
#pragma warning restore CA5359
        }

        return handler;
    }

    /// <summary>One call: its request, budget, attempts so far, a jitter seed (so the rule's answers for one attempt
    /// agree), and the last failure a retry followed (what to report when the budget ends during the wait).</summary>
    private sealed class CallState(MatrixRequest request, CallBudget budget)
    {
        private readonly int _seed = Random.Shared.Next();

        public MatrixRequest Request => request;

        public CallBudget Budget => budget;

        public int Attempts { get; set; }

        public Outcome<MatrixResponse>? LastFailure { get; set; }

        public double Jitter(int attempt) => (uint)HashCode.Combine(_seed, attempt) / (double)(1L << 32);
    }
}
