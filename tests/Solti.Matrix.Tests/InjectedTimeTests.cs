using System.Net;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using Solti.Matrix.Http;
using Solti.Matrix.Sessions;

namespace Solti.Matrix.Tests;

/// <summary>The call budget, the retry waits and the reading of <c>Retry-After</c> run on the clock the options give
/// (<see cref="MatrixClientOptions.Time"/>): a test moves it instead of sleeping.</summary>
[Trait("tier", "unit")]
public sealed class InjectedTimeTests
{
    [Fact]
    public void A_budget_spends_what_its_clock_says()
    {
        var time = new FakeTimeProvider();
        var budget = CallBudget.Start(TimeSpan.FromSeconds(90), time);

        time.Advance(TimeSpan.FromSeconds(60));

        Assert.Equal((TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(30)), (budget.Elapsed, budget.Remaining));
    }

    [Fact]
    public async Task A_rate_limited_send_waits_as_the_server_asks_on_the_given_clock()
    {
        var time = new WaitingClock();
        using var transport = new Answers(
            (HttpStatusCode.NotFound, """{"errcode":"M_NOT_FOUND","error":"Event not found."}"""), // the room has no m.room.encryption: plaintext
            (HttpStatusCode.TooManyRequests, """{"errcode":"M_LIMIT_EXCEEDED","error":"slow down","retry_after_ms":20000}"""),
            (HttpStatusCode.TooManyRequests, """{"errcode":"M_LIMIT_EXCEEDED","error":"slow down","retry_after_ms":20000}"""),
            (HttpStatusCode.OK, """{"event_id":"$e"}"""));
        var options = new MatrixClientOptions(new Uri("http://127.0.0.1:9/"))
        {
            Time = time,
            Transport = transport,
            RequestTimeout = TimeSpan.FromSeconds(5),
            Retry = new RetryOptions { TotalBudget = TimeSpan.FromMinutes(5), MaxDelay = TimeSpan.FromMinutes(1) },
        };
        using var client = new MatrixClient(options, new SessionOptions { AccessToken = "syt_x", UseCache = false });

        var send = client.SendEventAsync("!room:example.com", "m.room.message", new JsonObject { ["body"] = "x" }, "txn-1");
        var waited = new List<TimeSpan>();
        for (var i = 0; i < 2; i++)
        {
            // The pipeline starts the wait the server asked for on the test's clock; the test lets exactly that pass.
            var wait = await time.Waits.ReadAsync().AsTask().WaitAsync(TimeSpan.FromMinutes(1));
            waited.Add(wait);
            time.Advance(wait);
        }

        var sent = await send.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal("$e", sent.EventId);
        Assert.EndsWith("/state/m.room.encryption/", transport.Asked[0], StringComparison.Ordinal);
        Assert.Equal(3, transport.Asked.Count - 1);
        Assert.All(transport.Asked.Skip(1), path => Assert.EndsWith("/send/m.room.message/txn-1", path, StringComparison.Ordinal)); // one transaction id
        Assert.All(waited, wait => Assert.InRange(wait, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(22))); // as asked, plus at most 2 s of jitter
    }

    /// <summary>A clock the test moves, which tells it each wait of 15 to 25 s that is started on it (a 429's).</summary>
    private sealed class WaitingClock : FakeTimeProvider
    {
        private readonly Channel<TimeSpan> _waits = Channel.CreateUnbounded<TimeSpan>();

        public ChannelReader<TimeSpan> Waits => _waits.Reader;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            if (dueTime >= TimeSpan.FromSeconds(15) && dueTime <= TimeSpan.FromSeconds(25))
            {
                _waits.Writer.TryWrite(dueTime);
            }

            return timer;
        }
    }

    /// <summary>A transport that answers in turn with the given status and body, and records the paths asked.</summary>
    private sealed class Answers(params (HttpStatusCode Status, string Body)[] answers) : HttpMessageHandler
    {
        public List<string> Asked { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (Asked)
            {
                var (status, body) = answers[Math.Min(Asked.Count, answers.Length - 1)];
                Asked.Add(request.RequestUri!.AbsolutePath);
                return Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(body) });
            }
        }
    }
}
