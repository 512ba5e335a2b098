using System.Text.Json.Nodes;
using Solti.Matrix.Homeserver.Tests.Support;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Homeserver.Tests;

/// <summary>The MAS admin API's users (docs/design/mas-facts.md §3.4, §5): envelopes, cursors, filters, errors, and
/// what each change does to the Synapse account.</summary>
[Trait("tier", "integration")]
public sealed class MasAdminUserTests
{
    [Fact]
    public async Task Authentication_failures_are_MAS_shaped()
    {
        await using var hs = await TestHomeserver.StartAsync(o => o with { AuthenticationService = TestHomeserver.Mas() });
        var noHeader = await hs.Client.GetAsync("/api/admin/v1/users");
        Assert.Equal((400, "Missing authorization header"), (noHeader.Code, MasApi.Title(noHeader)));
        Assert.Equal(401, (await hs.Client.GetAsync("/api/admin/v1/users", "mat_unknown")).Code);
        Assert.Equal("Unknown access token", MasApi.Title(await hs.Client.GetAsync("/api/admin/v1/users", "mat_unknown")));
        var noScope = await hs.Client.GetAsync("/api/admin/v1/users", await hs.SynapseAdminTokenAsync());
        Assert.Equal((401, "Missing urn:mas:admin scope"), (noScope.Code, MasApi.Title(noScope)));
        var masAdminPat = await hs.PersonalTokenAsync("admin", "urn:mas:admin");
        Assert.Equal(200, (await hs.Client.GetAsync("/api/admin/v1/users", masAdminPat)).Code);
    }

    [Fact]
    public async Task Users_page_by_cursor_in_creation_order_and_filter()
    {
        await using var hs = await TestHomeserver.StartAsync(o => o with { AuthenticationService = TestHomeserver.Mas() }, new ManualTime());
        var api = await MasApi.ConnectAsync(hs);
        for (var i = 0; i < 12; i++)
        {
            Assert.Equal(201, (await api.PostAsync("/users", new JsonObject { ["username"] = $"user{i:D2}" })).Code);
        }

        var names = new List<string>();
        var page = await api.GetAsync("/users");
        Assert.Equal(14, page.Object["meta"]!["count"]!.GetValue<int>()); // + admin and bot
        Assert.Equal(10, page.Object["data"]!.AsArray().Count);
        while (true)
        {
            foreach (var item in page.Object["data"]!.AsArray())
            {
                Assert.Equal(item!["id"]!.GetValue<string>(), item["meta"]!["page"]!["cursor"]!.GetValue<string>());
                Assert.Equal("user", item["type"]!.GetValue<string>());
                names.Add(item["attributes"]!["username"]!.GetValue<string>());
            }

            if (page.Object["links"]!["next"]?.GetValue<string>() is not { } next)
            {
                break;
            }

            page = await hs.Client.GetAsync(next, api.Token);
        }

        Assert.Equal(["admin", "bot", .. Enumerable.Range(0, 12).Select(i => $"user{i:D2}")], names);
        var last = await api.GetAsync("/users?page[last]=3");
        Assert.Equal(["user09", "user10", "user11"], last.Object["data"]!.AsArray().Select(d => d!["attributes"]!["username"]!.GetValue<string>()));
        Assert.NotNull(last.Object["links"]!["prev"]);
        Assert.Null(last.Object["links"]!["next"]);
        var both = await api.GetAsync("/users?page[first]=1&page[last]=1");
        Assert.Equal(400, both.Code);
        var only = await api.GetAsync("/users?count=only&filter[search]=user1");
        Assert.Equal((2, null), (only.Object["meta"]!["count"]!.GetValue<int>(), only.Object["data"]));
        Assert.Null((await api.GetAsync("/users?count=false")).Object["meta"]);
        var admins = await api.GetAsync("/users?filter[admin]=true");
        Assert.Equal(["admin"], admins.Object["data"]!.AsArray().Select(d => d!["attributes"]!["username"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Creating_a_user_provisions_it_in_Synapse_and_the_errors_are_MAS_s()
    {
        await using var hs = await TestHomeserver.StartAsync(o => o with { AuthenticationService = TestHomeserver.Mas() });
        var api = await MasApi.ConnectAsync(hs);
        var synapseAdmin = await hs.SynapseAdminTokenAsync();
        var created = await api.PostAsync("/users", new JsonObject { ["username"] = "alice", ["displayname"] = "Alice A." });
        Assert.Equal(201, created.Code);
        var id = MasApi.Id(created);
        Assert.Equal(26, id.Length);
        Assert.Equal((false, null, null), (MasApi.Attributes(created)["admin"]!.GetValue<bool>(), MasApi.Attributes(created)["locked_at"], MasApi.Attributes(created)["deactivated_at"]));
        Assert.Equal($"/api/admin/v1/users/{id}", created.Object["data"]!["links"]!["self"]!.GetValue<string>());
        var synapse = await hs.Client.GetAsync("/_synapse/admin/v2/users/" + MatrixTestClient.Enc("@alice:localhost"), synapseAdmin);
        Assert.Equal("Alice A.", synapse.Object["displayname"]!.GetValue<string>());

        var byName = await api.GetAsync("/users/by-username/alice");
        Assert.Equal((id, "/api/admin/v1/users/by-username/alice"), (MasApi.Id(byName), byName.Object["links"]!["self"]!.GetValue<string>()));
        Assert.Equal((409, "User already exists"), Status(await api.PostAsync("/users", new JsonObject { ["username"] = "alice" })));
        Assert.Equal((400, "Username is not valid"), Status(await api.PostAsync("/users", new JsonObject { ["username"] = "Not Valid" })));
        Assert.Equal((400, "Username is not valid"), Status(await api.PostAsync("/users", new JsonObject { ["username"] = "_hidden" })));
        Assert.Equal((404, "User with username \"nobody\" not found"), Status(await api.GetAsync("/users/by-username/nobody")));
        Assert.Equal((404, "User ID 01J5N0B0DY0000000000000000 not found"), Status(await api.GetAsync("/users/01J5N0B0DY0000000000000000")));
        Assert.Equal((400, "Invalid ULID in path"), Status(await api.GetAsync("/users/not-a-ulid")));

        // A Synapse account MAS does not know holds its localpart, unless told to skip the check.
        Assert.Equal(201, (await hs.Client.PutAsync("/_synapse/admin/v2/users/" + MatrixTestClient.Enc("@legacy:localhost"), new JsonObject(), synapseAdmin)).Code);
        Assert.Equal((409, "Username is reserved by the homeserver"), Status(await api.PostAsync("/users", new JsonObject { ["username"] = "legacy" })));
        Assert.Equal(201, (await api.PostAsync("/users", new JsonObject { ["username"] = "legacy", ["skip_homeserver_check"] = true })).Code);
    }

    [Fact]
    public async Task Passwords_admin_lock_deactivate_and_reactivate()
    {
        await using var hs = await TestHomeserver.StartAsync(o => o with { AuthenticationService = TestHomeserver.Mas() });
        var api = await MasApi.ConnectAsync(hs);
        var id = await api.CreateUserAsync("carol", "Carol-pass-1");
        Assert.Equal((400, "Password is too weak"), Status(await api.PostAsync($"/users/{id}/set-password", new JsonObject { ["password"] = "short" })));
        Assert.Equal((400, "Password is too weak"), Status(await api.PostAsync($"/users/{id}/set-password", new JsonObject { ["password"] = "alllowercaseletters" })));
        Assert.Equal(204, (await api.PostAsync($"/users/{id}/set-password", new JsonObject { ["password"] = "weak", ["skip_password_check"] = true })).Code);
        Assert.Equal(200, (await hs.Client.PostAsync("/_matrix/client/v3/login", MatrixTestClient.LoginBody("carol", "weak"))).Code);

        Assert.True(MasApi.Attributes(await api.PostAsync($"/users/{id}/set-admin", new JsonObject { ["admin"] = true }))["admin"]!.GetValue<bool>());

        var session = await hs.Client.LoginAsync("carol", "weak", "CAROLDEV01");
        var locked = await api.PostAsync($"/users/{id}/lock");
        Assert.NotNull(MasApi.Attributes(locked)["locked_at"]);
        Assert.Equal(["carol"], (await api.GetAsync("/users?filter[status]=locked")).Object["data"]!.AsArray().Select(d => d!["attributes"]!["username"]!.GetValue<string>()));
        var refused = await hs.Client.GetAsync("/_matrix/client/v3/account/whoami", session.AccessToken);
        Assert.Equal((401, "M_UNKNOWN_TOKEN", "Token is not active"), (refused.Code, refused.Errcode, refused.Str("error")));
        var lockedLogin = await hs.Client.PostAsync("/_matrix/client/v3/login", MatrixTestClient.LoginBody("carol", "weak"));
        Assert.Equal((401, "M_USER_LOCKED"), (lockedLogin.Code, lockedLogin.Errcode));
        var synapseAdmin = await hs.SynapseAdminTokenAsync();
        var carol = "/_synapse/admin/v2/users/" + MatrixTestClient.Enc("@carol:localhost");
        Assert.True((await hs.Client.GetAsync(carol, synapseAdmin)).Object["locked"]!.GetValue<bool>());
        Assert.Null(MasApi.Attributes(await api.PostAsync($"/users/{id}/unlock"))["locked_at"]);
        Assert.Equal(200, (await hs.Client.GetAsync("/_matrix/client/v3/account/whoami", session.AccessToken)).Code); // a lock ends no session

        var deactivated = await api.PostAsync($"/users/{id}/deactivate", new JsonObject { ["skip_erase"] = true });
        Assert.Equal(200, deactivated.Code);
        Assert.Equal((true, null), (MasApi.Attributes(deactivated)["deactivated_at"] is not null, MasApi.Attributes(deactivated)["locked_at"]));
        Assert.Equal(401, (await hs.Client.GetAsync("/_matrix/client/v3/account/whoami", session.AccessToken)).Code);
        var synapseCarol = (await hs.Client.GetAsync(carol, synapseAdmin)).Object;
        Assert.True(synapseCarol["deactivated"]!.GetValue<bool>());
        Assert.Equal(0, (await hs.Client.GetAsync(carol + "/devices", synapseAdmin)).Object["total"]!.GetValue<int>());
        var compat = await api.GetAsync($"/compat-sessions?filter[user]={id}&filter[status]=active");
        Assert.Equal(0, compat.Object["meta"]!["count"]!.GetValue<int>());
        Assert.Equal((403, "M_FORBIDDEN"), ((await hs.Client.PostAsync("/_matrix/client/v3/login", MatrixTestClient.LoginBody("carol", "weak"))).Code, (await hs.Client.PostAsync("/_matrix/client/v3/login", MatrixTestClient.LoginBody("carol", "weak"))).Errcode));

        Assert.Null(MasApi.Attributes(await api.PostAsync($"/users/{id}/reactivate"))["deactivated_at"]);
        Assert.False((await hs.Client.GetAsync(carol, synapseAdmin)).Object["deactivated"]!.GetValue<bool>());
        Assert.Equal(200, (await hs.Client.PostAsync("/_matrix/client/v3/login", MatrixTestClient.LoginBody("carol", "weak"))).Code);
    }

    [Fact]
    public async Task Setting_a_password_is_refused_when_MAS_takes_no_passwords()
    {
        await using var hs = await TestHomeserver.StartAsync(o => o with { AuthenticationService = TestHomeserver.Mas(passwordsEnabled: false) });
        var api = await MasApi.ConnectAsync(hs);
        var bot = await api.UserIdAsync("bot");
        Assert.Equal((403, "Password auth is disabled"), Status(await api.PostAsync($"/users/{bot}/set-password", new JsonObject { ["password"] = "Long-enough-1" })));
    }

    private static (int, string?) Status(ClientResponse reply) => (reply.Code, MasApi.Title(reply));
}
