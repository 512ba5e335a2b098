using System.Text.Json.Nodes;
using Solti.Matrix.Accounts;

namespace Solti.Matrix.Tests.Support;

/// <summary>An admin client with no session that records each write a planned action makes (as <c>method args</c> with
/// its JSON body) and answers as Synapse would, so a plan can be applied in memory.</summary>
public sealed class RecordingAdmin() : SynapseAdminClient(null!)
{
    /// <summary>The writes in the order they were made.</summary>
    public List<(string Call, JsonObject? Body)> Calls { get; } = [];

    /// <summary>The id <see cref="CreateRoomAsync"/> answers.</summary>
    public string CreatedRoomId { get; init; } = "!created:example.org";

    internal Task Record(string call, JsonObject? body = null)
    {
        Calls.Add((call, (JsonObject?)body?.DeepClone()));
        return Task.CompletedTask;
    }

    /// <summary>The account authority: <see cref="RecordingAccounts"/>, recording into <see cref="Calls"/>.</summary>
    public override Task<IAccountAuthority> AccountsAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IAccountAuthority>(new RecordingAccounts(Record));

    public override Task SetRatelimitOverrideAsync(string userId, long messagesPerSecond, long burstCount, CancellationToken cancellationToken = default) =>
        Record($"set_ratelimit {userId} {messagesPerSecond}/{burstCount}");

    public override Task DeleteRatelimitOverrideAsync(string userId, CancellationToken cancellationToken = default) =>
        Record($"delete_ratelimit {userId}");

    public override Task SetShadowBanAsync(string userId, bool banned, CancellationToken cancellationToken = default) =>
        Record($"shadow_ban {userId} {(banned ? "on" : "off")}");

    public override async Task<string> CreateRoomAsync(JsonObject request, CancellationToken cancellationToken = default)
    {
        await Record("create_room", request);
        return CreatedRoomId;
    }

    public override Task PutStateAsync(string roomId, string type, string stateKey, JsonObject content, CancellationToken cancellationToken = default) =>
        Record($"put_state {roomId} {type}/{stateKey}", content);

    public override Task SetDirectoryVisibilityAsync(string roomId, string visibility, CancellationToken cancellationToken = default) =>
        Record($"visibility {roomId} {visibility}");

    public override Task ForceJoinAsync(string roomIdOrAlias, string userId, CancellationToken cancellationToken = default) =>
        Record($"join {roomIdOrAlias} {userId}");

    public override Task InviteAsync(string roomId, string userId, CancellationToken cancellationToken = default) =>
        Record($"invite {roomId} {userId}");

    public override Task KickAsync(string roomId, string userId, string? reason, CancellationToken cancellationToken = default) =>
        Record($"kick {roomId} {userId}");

    public override async Task<JsonObject> DeleteRoomAsync(string roomId, JsonObject options, TimeSpan pollInterval, CancellationToken cancellationToken = default)
    {
        await Record($"delete_room {roomId}", options);
        return new JsonObject { ["status"] = "complete" };
    }
}
