using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using Solti.Matrix.Errors;

namespace Solti.Matrix.Http;

/// <summary>Every HTTP call goes through here: bearer auth header, per-attempt timeout, and one resilience
/// pipeline (429 waits as asked, 5xx/timeouts/connection failures back off with jitter, other 4xx never retry,
/// every wait capped, a total budget per call).</summary>
public sealed class MatrixHttpPipeline : IDisposable
{
    private static readonly ResiliencePropertyKey<CallState> StateKey = new("solti.call");

    private readonly HttpClient _http;
    private readonly MatrixClientOptions _options;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline<MatrixResponse> _pipeline;

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

    public MatrixClientOptions Options => _options;

    /// <summary>Sends with retries; returns the JSON body of a 2xx or throws <see cref="MatrixException"/>.</summary>
    public async Task<JsonNode> SendAsync(MatrixRequest request, string? accessToken, CancellationToken cancellationToken)
    {
        var state = new CallState(request, Stopwatch.StartNew(), _options.Retry.TotalBudget);
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(StateKey, state);
        MatrixResponse response;
        try
        {
            response = await _pipeline.ExecuteAsync(
                static (ctx, arg) => new ValueTask<MatrixResponse>(arg.Self.AttemptAsync(arg.Request, arg.Token, ctx.CancellationToken)),
                context,
                (Self: this, Request: request, Token: accessToken));
        }
        catch (TimeoutRejectedException e)
        {
            var note = $"the call's budget of {RetryAfter.Describe(_options.Retry.TotalBudget)} ran out";
            if (state.LastResponse is { IsSuccess: false } last)
            {
                // The budget ended while waiting to retry: report what the server last said.
                throw last.ToException(note, state.AskedWait);
            }

            throw new MatrixException(0, MatrixErrorCodes.BudgetExhausted, $"{request}: no answer: {note}", inner: e);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }

        if (response.IsSuccess)
        {
            return response.Body ?? new JsonObject();
        }

        throw response.ToException(state.StopReason, state.AskedWait);
    }

    public void Dispose() => _http.Dispose();

    private async Task<MatrixResponse> AttemptAsync(MatrixRequest request, string? accessToken, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(request.Method, request.Path);
        if (accessToken is not null)
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        if (request.Body is not null)
        {
            message.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(request.Body.ToJsonString()));
            message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        try
        {
            using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseContentRead, timeout.Token);
            var bytes = await response.Content.ReadAsByteArrayAsync(timeout.Token);
            return new MatrixResponse((int)response.StatusCode, ParseJson(bytes), response.Headers.RetryAfter);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new MatrixException(0, MatrixErrorCodes.Timeout, $"{request}: no answer within {RetryAfter.Describe(_options.RequestTimeout)}", inner: e);
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

    private ResiliencePipeline<MatrixResponse> BuildPipeline(RetryOptions retry)
    {
        var builder = new ResiliencePipelineBuilder<MatrixResponse>();
        builder.AddTimeout(retry.TotalBudget);
        if (retry.MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions<MatrixResponse>
            {
                MaxRetryAttempts = retry.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = retry.BaseDelay,
                MaxDelay = retry.MaxDelay,
                ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome, args.Context.Properties.GetValue(StateKey, null!), args.AttemptNumber)),
                DelayGenerator = args => ValueTask.FromResult(args.Context.Properties.GetValue(StateKey, null!).NextDelay),
                OnRetry = args =>
                {
                    var state = args.Context.Properties.GetValue(StateKey, null!);
                    _logger.LogInformation("{Request}: {Reason}; retry {Attempt} in {Delay}", state.Request, Describe(args.Outcome), args.AttemptNumber + 1, RetryAfter.Describe(args.RetryDelay));
                    return ValueTask.CompletedTask;
                },
            });
        }

        return builder.Build();
    }

    /// <summary>Decides one retry and the wait before it. A null <see cref="CallState.NextDelay"/> lets Polly back off with jitter.</summary>
    private bool ShouldRetry(Outcome<MatrixResponse> outcome, CallState state, int attempt)
    {
        state.NextDelay = null;
        if (outcome.Exception is MatrixException { Status: 0 })
        {
            return state.Request.Idempotent && WithinBudget(state, Backoff(attempt));
        }

        if (outcome.Result is not { } response)
        {
            return false;
        }

        state.LastResponse = response;

        if (response.Status == 429)
        {
            var asked = RetryAfter.From(response.RetryAfterHeader, response.Body, DateTimeOffset.UtcNow);
            var wait = asked ?? _options.Retry.DefaultRateLimitDelay;
            state.AskedWait = asked;
            if (wait > _options.Retry.MaxDelay)
            {
                state.StopReason = $"the server asked to wait {RetryAfter.Describe(wait)}, more than the longest wait allowed ({RetryAfter.Describe(_options.Retry.MaxDelay)})";
                return false;
            }

            state.NextDelay = wait;
            return WithinBudget(state, wait);
        }

        return response.Status >= 500 && state.Request.Idempotent && WithinBudget(state, Backoff(attempt));
    }

    private TimeSpan Backoff(int attempt) =>
        TimeSpan.FromTicks(Math.Min(_options.Retry.MaxDelay.Ticks, _options.Retry.BaseDelay.Ticks << Math.Min(attempt, 20)));

    private bool WithinBudget(CallState state, TimeSpan wait)
    {
        var left = _options.Retry.TotalBudget - state.Clock.Elapsed;
        if (wait < left)
        {
            return true;
        }

        state.StopReason = $"waiting {RetryAfter.Describe(wait)} more would exceed the call's budget of {RetryAfter.Describe(_options.Retry.TotalBudget)}";
        return false;
    }

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

    private sealed class CallState(MatrixRequest request, Stopwatch clock, TimeSpan budget)
    {
        public MatrixRequest Request => request;

        public Stopwatch Clock => clock;

        public TimeSpan Budget => budget;

        public TimeSpan? NextDelay { get; set; }

        public TimeSpan? AskedWait { get; set; }

        public string? StopReason { get; set; }

        public MatrixResponse? LastResponse { get; set; }
    }
}
