using System.Text.Json.Nodes;
using Solti.Matrix.Errors;
using Solti.Matrix.Testing;
using Solti.Matrix.Sessions;
using Solti.Matrix.Tests.Support;

namespace Solti.Matrix.Tests;

/// <summary>No token or password in any log line, exception message or ToString of the library's types.</summary>
[Trait("tier", "integration")]
public sealed class SecretsTests
{
    [Fact]
    public async Task Logs_and_errors_of_heals_retries_and_failures_hold_no_secret()
    {
        await using var h = await LibraryHarness.StartAsync();
        var bot = await h.Hs.LoginBotAsync("SECRET");
        var (roomId, _) = await h.BotRoomAsync(bot.AccessToken);
        await h.ExpireAsync(bot.AccessToken);
        await h.AddFaultAsync(new JsonObject { ["endpoint"] = "rooms.send", ["status"] = 503, ["count"] = 2 });
        var logs = new CapturingLoggerFactory();
        var texts = new List<string>();

        var options = h.Options() with { LoggerFactory = logs };
        var session = new SessionOptions { UserId = h.Hs.BotId, AccessToken = bot.AccessToken, Password = TestHomeserver.BotPassword };
        using (var client = new MatrixClient(options, session, h.Cache))
        {
            await client.SendEventAsync(roomId, "m.room.message", new JsonObject { ["msgtype"] = "m.text", ["body"] = "x" });
            texts.Add(session.ToString());
            texts.Add(h.Cache.Read(h.Hs.Server.BaseAddress, h.Hs.BotId)!.ToString());
        }

        using (var wrong = new MatrixClient(options, session with { AccessToken = "syt_wrong_token_value", Password = "a-wrong-password" }, cache: null))
        {
            var error = await Assert.ThrowsAsync<SessionRecoveryException>(() => wrong.WhoAmIAsync());
            texts.Add(error.ToString());
        }

        var fresh = h.Cache.Read(h.Hs.Server.BaseAddress, h.Hs.BotId)!;
        Assert.Contains(logs.Lines, l => l.Contains("recovered by password login", StringComparison.Ordinal));
        foreach (var text in logs.Lines.Concat(texts))
        {
            foreach (var secret in new[] { bot.AccessToken, fresh.AccessToken, TestHomeserver.BotPassword, "syt_wrong_token_value", "a-wrong-password" })
            {
                Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
            }
        }
    }
}
