namespace Solti.Matrix.Ansible.Modules;

/// <summary><c>synapse_event_report_info</c>: the events users reported to the server's admins, filtered as Synapse
/// filters them (<c>room_id</c>, <c>user_id</c> the reporter, <c>dir</c>), every page up to <c>limit</c>; or one report
/// with the reported event by <c>report_id</c>. Read-only.</summary>
public sealed class SynapseEventReportInfoModule : IModule
{
    public string Name => "synapse_event_report_info";

    public ArgumentSpec Spec { get; } = new(new Dictionary<string, OptionSpec>(ConnectionOptions.SharedAdmin)
    {
        ["report_id"] = new(OptionType.Int),
        ["room_id"] = new(),
        ["user_id"] = new(),
        ["dir"] = new() { Default = "b", Choices = ["b", "f"] },
        ["limit"] = new(OptionType.Int),
    })
    {
        MutuallyExclusive = [["report_id", "room_id"], ["report_id", "user_id"]],
    };

    public async Task<JsonObject> RunAsync(AnsibleModule module, CancellationToken cancellationToken)
    {
        var limit = ModuleInputs.Limit(module);
        var reportId = ReportId(module);
        var roomId = module.Str("room_id") is { } room ? MatrixId.Require(MatrixIdKind.Room, room, "room_id") : null;
        var userId = module.Str("user_id") is { } user ? MatrixId.Require(MatrixIdKind.User, user, "user_id") : null;
        var (client, admin) = ConnectionOptions.AdminClient(module);
        using var _ = client;
        if (reportId is { } id)
        {
            var report = await admin.GetEventReportAsync(id, cancellationToken);
            return new JsonObject
            {
                ["changed"] = false,
                ["report"] = report,
                ["reports"] = new JsonArray([.. report is null ? [] : new[] { (JsonNode)report.DeepClone() }]),
                ["total"] = report is null ? 0 : 1,
            };
        }

        var (reports, total) = await admin.ListEventReportsAsync(roomId, userId, module.Str("dir")!, limit, cancellationToken);
        return new JsonObject { ["changed"] = false, ["reports"] = new JsonArray([.. reports]), ["total"] = total };
    }

    /// <summary>The <c>report_id</c> option (Synapse's report ids are integers from 0), or null.</summary>
    public static long? ReportId(AnsibleModule module) => module.Number("report_id") is { } n
        ? n >= 0 ? (long)n : throw new ModuleFailedException($"report_id must be a report's id (an integer, 0 or more), got {n}")
        : null;
}
