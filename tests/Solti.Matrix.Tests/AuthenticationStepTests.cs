using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Solti.Matrix.Errors;
using Solti.Matrix.Http;
using Solti.Matrix.Mas;
using Solti.Matrix.Sessions;

namespace Solti.Matrix.Tests;

/// <summary>The pipeline's one authentication step (<see cref="MatrixHttpPipeline.SendAuthenticatedAsync"/>) with a token
/// source the test controls: a refusal the source calls a bad token is renewed and the same request goes again, within
/// the same budget; a source with nothing more ends the call with its own error; a 403 is never a token problem.</summary>
[Trait("tier", "unit")]
public sealed class AuthenticationStepTests
{
    private const string SendPath = "_matrix/client/v3/rooms/%21room%3Aexample.com/send/m.room.message/txn-1";
    private const string UnknownToken = """{"errcode":"M_UNKNOWN_TOKEN","error":"Invalid access token passed.","soft_logout":true}""";

    private static readonly MatrixRequest Send = MatrixRequest.Put(SendPath, new JsonObject { ["msgtype"] = "m.text", ["body"] = "hello" });

    private static MatrixHttpPipeline Pipeline(Answers transport, TimeProvider? time = null) => new(new MatrixClientOptions(new Uri("http://127.0.0.1:9/"))
    {
        Transport = transport,
        Time = time ?? new FakeTimeProvider(),
    });

    [Fact]
    public async Task A_bad_token_is_renewed_once_and_the_same_request_goes_again_with_the_new_one()
    {
        using var transport = new Answers((HttpStatusCode.Unauthorized, UnknownToken), (HttpStatusCode.OK, """{"event_id":"$sent"}"""));
        using var http = Pipeline(transport);
        var tokens = new Tokens("syt_old", "syt_new");

        var answer = await http.SendAuthenticatedAsync(Send, tokens, http.NewBudget(), CancellationToken.None);

        Assert.Equal("$sent", answer["event_id"]!.GetValue<string>());
        Assert.Equal(["syt_old"], tokens.Refused);
        Assert.Equal(["Bearer syt_old", "Bearer syt_new"], transport.Asked.Select(a => a.Authorization));
        Assert.EndsWith("/send/m.room.message/txn-1", transport.Asked[0].Path, StringComparison.Ordinal);
        Assert.All(transport.Asked, a => Assert.Equal(("PUT", transport.Asked[0].Path, """{"msgtype":"m.text","body":"hello"}"""), (a.Method, a.Path, a.Body))); // one transaction id
    }

    [Fact]
    public async Task A_source_with_no_other_token_ends_the_call_with_its_own_error()
    {
        using var transport = new Answers((HttpStatusCode.Unauthorized, UnknownToken));
        using var http = Pipeline(transport);
        var tokens = new Tokens("syt_first", "syt_second");

        var failed = await Assert.ThrowsAsync<MatrixException>(() => http.SendAuthenticatedAsync(Send, tokens, http.NewBudget(), CancellationToken.None));

        Assert.Equal(Tokens.GaveUp, failed.Errcode);
        Assert.Equal(["syt_first", "syt_second"], tokens.Refused);
        Assert.Equal(2, transport.Asked.Count); // the first token, the one renewal, then the source had no more
        Assert.Equal(MatrixErrorCodes.UnknownToken, Assert.IsType<MatrixException>(failed.InnerException).Errcode);
        Assert.DoesNotContain("syt_", failed.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_source_that_cannot_give_a_first_token_ends_the_call_before_anything_is_sent()
    {
        using var transport = new Answers((HttpStatusCode.OK, "{}"));
        using var http = Pipeline(transport);

        var failed = await Assert.ThrowsAsync<MatrixException>(() => http.SendAuthenticatedAsync(Send, new Tokens(), http.NewBudget(), CancellationToken.None));

        Assert.Equal(Tokens.GaveUp, failed.Errcode);
        Assert.Empty(transport.Asked);
    }

    [Fact]
    public async Task A_403_is_never_a_token_problem_nothing_is_renewed()
    {
        using var transport = new Answers((HttpStatusCode.Forbidden, """{"errcode":"M_FORBIDDEN","error":"You are not in this room."}"""));
        using var http = Pipeline(transport);
        var tokens = new Tokens("syt_old", "syt_new");

        var refused = await Assert.ThrowsAsync<MatrixException>(() => http.SendAuthenticatedAsync(Send, tokens, http.NewBudget(), CancellationToken.None));

        Assert.Equal((403, MatrixErrorCodes.Forbidden), (refused.Status, refused.Errcode));
        Assert.Empty(tokens.Refused);
        Assert.Single(transport.Asked);
    }

    [Fact]
    public async Task The_send_after_a_renewal_spends_the_same_budget()
    {
        var time = new FakeTimeProvider();
        using var transport = new Answers((HttpStatusCode.Unauthorized, UnknownToken), (HttpStatusCode.OK, "{}"));
        using var http = Pipeline(transport, time);
        var tokens = new Tokens("syt_old", "syt_new") { WhileRenewing = () => time.Advance(TimeSpan.FromMinutes(2)) }; // a renewal as slow as the whole budget (90 s)

        var failed = await Assert.ThrowsAsync<MatrixException>(() => http.SendAuthenticatedAsync(Send, tokens, http.NewBudget(), CancellationToken.None));

        Assert.Equal(MatrixErrorCodes.BudgetExhausted, failed.Errcode);
        Assert.Single(transport.Asked);
    }

    [Fact]
    public void Each_source_says_which_refusals_are_its_bad_token()
    {
        using var transport = new Answers((HttpStatusCode.OK, "{}"));
        using var http = Pipeline(transport);
        ITokenSource session = new MatrixSession(http, new SessionOptions { AccessToken = "syt_x", UseCache = false }, null);
        using var mas = new MasAdminTokens(http, new MasCredentials(null) { AccessToken = "mat_x" });
        var unknown = new MatrixException(401, MatrixErrorCodes.UnknownToken, "Invalid access token passed.");
        var missing = new MatrixException(401, MatrixErrorCodes.MissingToken, "Missing access token.");
        var forbidden = new MatrixException(403, MatrixErrorCodes.Forbidden, "not an admin");
        var oauth = new MatrixException(401, MatrixErrorCodes.Unknown, "Unknown access token") { HasMatrixBody = false }; // MAS: no errcode

        Assert.Equal([true, true, false, false], new[] { unknown, missing, forbidden, oauth }.Select(session.IsBadToken));
        Assert.Equal([true, true, false, true], new[] { unknown, missing, forbidden, oauth }.Select(mas.IsBadToken));
    }

    /// <summary>A source that hands out the given tokens in turn, one renewal each, and calls only the Matrix token errors
    /// bad; it records what was refused.</summary>
    private sealed class Tokens(params string[] tokens) : ITokenSource
    {
        public const string GaveUp = "SOLTI_TEST_NO_MORE_TOKENS";

        private int _next;

        public List<string> Refused { get; } = [];

        public Action? WhileRenewing { get; init; }

        public Task<string?> TokenAsync(RecoveryLog log, CancellationToken cancellationToken) =>
            Task.FromResult(tokens.Length > 0 ? tokens[_next] : null);

        public bool IsBadToken(MatrixException refusal) => refusal.IsTokenError;

        public Task<string?> RenewAsync(string refused, MatrixException refusal, RecoveryLog log, CancellationToken cancellationToken)
        {
            Refused.Add(refused);
            log.LastError = refusal;
            log.Failures.Add($"token {Refused.Count} refused");
            WhileRenewing?.Invoke();
            return Task.FromResult(++_next < tokens.Length ? tokens[_next] : null);
        }

        public MatrixException GiveUp(RecoveryLog log) => new(401, GaveUp, $"no more tokens: {string.Join("; ", log.Failures)}", inner: log.LastError);
    }

    /// <summary>A transport that answers in turn with the given status and body (the last one from then on), and records
    /// what was asked.</summary>
    private sealed class Answers(params (HttpStatusCode Status, string Body)[] answers) : HttpMessageHandler
    {
        public List<(string Method, string Path, string? Authorization, string? Body)> Asked { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
            lock (Asked)
            {
                var (status, reply) = answers[Math.Min(Asked.Count, answers.Length - 1)];
                Asked.Add((request.Method.Method, request.RequestUri!.AbsolutePath, request.Headers.Authorization?.ToString(), body));
                return new HttpResponseMessage(status) { Content = new StringContent(reply) };
            }
        }
    }
}
