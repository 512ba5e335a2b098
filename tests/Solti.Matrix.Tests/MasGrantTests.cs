using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Solti.Matrix.Errors;
using Solti.Matrix.Mas;
using Solti.Matrix.Sessions;
using Solti.Matrix.Tests.Support;

namespace Solti.Matrix.Tests;

/// <summary>MAS's admin client as a token source (<see cref="MasAdminTokens"/>), against a MAS the test plays over a
/// transport, on a clock the test moves: the client-credentials grant is kept in the credential cache as its own record
/// (<see cref="StoredGrant"/>, a private 0600 file) and reused by every client until it nearly expires; a refused grant
/// token is granted again once; a refused given token is not.</summary>
[Trait("tier", "unit")]
public sealed class MasGrantTests : IDisposable
{
    private const string ClientId = "01J5ADM1N00000000000000000";
    private const string Secret = "the-admin-client-secret";
    private static readonly Uri Url = new("http://127.0.0.1:9/");

    private readonly TempDirectory _state = new("solti-masgrant-");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
    private readonly FakeMas _mas = new();

    public void Dispose()
    {
        _mas.Dispose();
        _state.Dispose();
    }

    private Sessions.CredentialCache Cache => new(Path.Combine(_state, "cache"));

    private MasAdminClient Client(MasCredentials? credentials = null) =>
        new(new MatrixClientOptions(Url) { Transport = _mas, Time = _time }, Url, credentials ?? new MasCredentials(Url) { ClientId = ClientId, ClientSecret = Secret, Cache = Cache });

    private async Task<string?> FindAsync(MasAdminClient client) => (await client.FindUserAsync("bot"))?.Id;

    [Fact]
    public async Task The_grant_is_kept_as_its_own_private_record_and_reused_until_it_nearly_expires()
    {
        using (var first = Client())
        {
            Assert.NotNull(await FindAsync(first));
        }

        var path = Cache.GrantPathFor(Url, ClientId);
        var kept = Cache.ReadGrant(Url, ClientId)!;
        Assert.Equal(1, _mas.Grants);
        Assert.Equal((ClientId, "mat_grant_1", _time.GetUtcNow().AddSeconds(300), "http://127.0.0.1:9"), (kept.ClientId, kept.AccessToken, kept.ExpiresAt, kept.MasUrl));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.StartsWith("mas-grant_", Path.GetFileName(path), StringComparison.Ordinal);
        var record = JsonNode.Parse(await File.ReadAllTextAsync(path))!.AsObject();
        Assert.Equal(["client_id", "access_token", "expires_at", "mas_url"], record.Select(p => p.Key)); // a grant's record, no user_id
        Assert.DoesNotContain(Secret, record.ToJsonString(), StringComparison.Ordinal);
        Assert.Null(Cache.Read(Url, "mas-client:" + ClientId)); // no session record with a made-up user
        Assert.DoesNotContain("mat_grant_1", kept.ToString(), StringComparison.Ordinal);

        // 60 s left: other clients (other processes) send the kept token, and a long-lived client keeps its own.
        _time.Advance(TimeSpan.FromSeconds(240));
        using var longLived = Client();
        Assert.NotNull(await FindAsync(longLived));
        using (var second = Client())
        {
            Assert.NotNull(await FindAsync(second));
        }

        Assert.Equal(1, _mas.Grants);
        Assert.All(_mas.Sent, token => Assert.Equal("mat_grant_1", token));

        // 29 s left, less than the 30-second margin: the next client grants again and keeps the new grant.
        _time.Advance(TimeSpan.FromSeconds(31));
        using (var third = Client())
        {
            Assert.NotNull(await FindAsync(third));
        }

        Assert.Equal((2, "mat_grant_2"), (_mas.Grants, _mas.Sent[^1]));
        Assert.Equal(("mat_grant_2", _time.GetUtcNow().AddSeconds(300)), (Cache.ReadGrant(Url, ClientId)!.AccessToken, Cache.ReadGrant(Url, ClientId)!.ExpiresAt));

        // The long-lived client's token nearly expired too: it takes the one the cache now holds, no grant.
        Assert.NotNull(await FindAsync(longLived));
        Assert.Equal((2, "mat_grant_2"), (_mas.Grants, _mas.Sent[^1]));
    }

    [Fact]
    public async Task A_grant_token_MAS_refuses_is_granted_again_once_and_the_same_request_sent_with_the_new_one()
    {
        using var client = Client();
        Assert.NotNull(await FindAsync(client));
        _mas.Revoke("mat_grant_1");

        Assert.NotNull(await FindAsync(client));

        Assert.Equal(2, _mas.Grants);
        Assert.Equal(["mat_grant_1", "mat_grant_1", "mat_grant_2"], _mas.Sent);
        Assert.Equal("mat_grant_2", Cache.ReadGrant(Url, ClientId)!.AccessToken);

        _mas.RefuseAll = true; // MAS refuses the fresh grant's token too: renewed once, then MAS's refusal as it came
        var refused = await Assert.ThrowsAsync<MatrixException>(() => FindAsync(client));
        Assert.Equal((401, 3), (refused.Status, _mas.Grants));
        Assert.Contains("Unknown access token", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_given_token_is_sent_as_it_is_and_its_refusal_names_the_scope_it_needs()
    {
        using var client = Client(new MasCredentials(Url) { AccessToken = "mat_given", Cache = Cache });
        Assert.NotNull(await FindAsync(client));
        _mas.Revoke("mat_given");

        var refused = await Assert.ThrowsAsync<MatrixException>(() => FindAsync(client));

        Assert.Equal(0, _mas.Grants);
        Assert.Equal(["mat_given", "mat_given"], _mas.Sent);
        Assert.Equal(401, refused.Status);
        Assert.StartsWith("MAS's admin API refused the given token (Unknown access token): it needs a working token with the urn:mas:admin scope", refused.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("mat_given", refused.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_mode_uses_a_kept_grant_while_it_lasts_and_never_grants()
    {
        var checkMode = new MasCredentials(Url) { ClientId = ClientId, ClientSecret = Secret, Cache = Cache, MayGrant = false };
        using (var none = Client(checkMode))
        {
            Assert.Equal(MatrixErrorCodes.MasTokenNeeded, (await Assert.ThrowsAsync<MatrixException>(() => FindAsync(none))).Errcode);
        }

        using (var grants = Client())
        {
            Assert.NotNull(await FindAsync(grants));
        }

        using (var kept = Client(checkMode))
        {
            Assert.NotNull(await FindAsync(kept));
        }

        _time.Advance(TimeSpan.FromSeconds(271));
        using (var expired = Client(checkMode))
        {
            Assert.Equal(MatrixErrorCodes.MasTokenNeeded, (await Assert.ThrowsAsync<MatrixException>(() => FindAsync(expired))).Errcode);
        }

        Assert.Equal(1, _mas.Grants);
    }

    /// <summary>MAS as far as these tests need it: the client-credentials grant (<c>client_secret_basic</c>, tokens of
    /// 300 s numbered in turn) and one user, whose lookup answers 401 without a Matrix errcode, as MAS does, for a token
    /// it did not grant or has revoked. It records the bearer token of each admin API request.</summary>
    private sealed class FakeMas : HttpMessageHandler
    {
        private readonly HashSet<string> _revoked = [];

        public int Grants { get; private set; }

        public List<string?> Sent { get; } = [];

        public bool RefuseAll { get; set; }

        public void Revoke(string token)
        {
            lock (_revoked)
            {
                _revoked.Add(token);
            }
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (_revoked)
            {
                if (request.RequestUri!.AbsolutePath == "/oauth2/token")
                {
                    var basic = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(ClientId + ":" + Secret));
                    return Task.FromResult(request.Headers.Authorization?.ToString() == "Basic " + basic
                        ? Answer(HttpStatusCode.OK, new JsonObject { ["access_token"] = $"mat_grant_{++Grants}", ["token_type"] = "Bearer", ["expires_in"] = 300, ["scope"] = MasAdminClient.AdminScope })
                        : Answer(HttpStatusCode.Unauthorized, new JsonObject { ["error"] = "invalid_client" }));
                }

                var token = request.Headers.Authorization?.Parameter;
                Sent.Add(token);
                var known = token is not null && (token == "mat_given" || token.StartsWith("mat_grant_", StringComparison.Ordinal)) && !_revoked.Contains(token) && !RefuseAll;
                return Task.FromResult(known
                    ? Answer(HttpStatusCode.OK, new JsonObject { ["data"] = new JsonObject { ["type"] = "user", ["id"] = "01J5B0T0000000000000000000", ["attributes"] = new JsonObject { ["username"] = "bot" } } })
                    : Answer(HttpStatusCode.Unauthorized, new JsonObject { ["errors"] = new JsonArray(new JsonObject { ["title"] = "Unknown access token" }) }));
            }
        }

        private static HttpResponseMessage Answer(HttpStatusCode status, JsonObject body) => new(status) { Content = new StringContent(body.ToJsonString()) };
    }
}
