using Solti.Matrix.Errors;

namespace Solti.Matrix.Ansible.Modules;

/// <summary><c>synapse_event_report</c>: <c>state: absent</c> deletes an event report once it is dealt with (Synapse
/// 1.79 and later). Stateful: a report already gone is <c>changed: false</c>; check mode reads and never deletes.</summary>
public sealed class SynapseEventReportModule : IModule
{
    public string Name => "synapse_event_report";

    public ArgumentSpec Spec { get; } = new(new Dictionary<string, OptionSpec>(ConnectionOptions.SharedAdmin)
    {
        ["report_id"] = new(OptionType.Int) { Required = true },
        ["state"] = new() { Default = "absent", Choices = ["absent"] },
    });

    public async Task<JsonObject> RunAsync(AnsibleModule module, CancellationToken cancellationToken)
    {
        var reportId = SynapseEventReportInfoModule.ReportId(module)!.Value;
        var (client, admin) = ConnectionOptions.AdminClient(module);
        using var _ = client;
        var report = await admin.GetEventReportAsync(reportId, cancellationToken);
        var result = new JsonObject { ["changed"] = report is not null, ["report_id"] = reportId, ["report"] = report?.DeepClone() };
        if (report is null)
        {
            return result;
        }

        if (module.DiffMode)
        {
            result["diff"] = new JsonObject { ["before"] = new JsonObject { ["report"] = report.DeepClone() }, ["after"] = new JsonObject() };
        }

        if (!module.CheckMode)
        {
            try
            {
                await admin.DeleteEventReportAsync(reportId, cancellationToken);
            }
            catch (MatrixException e) when (e.IsUnrecognized)
            {
                throw new ModuleFailedException("deleting an event report needs Synapse 1.79 or later: this server does not serve DELETE /_synapse/admin/v1/event_reports/<id>", new JsonObject { ["errcode"] = e.Errcode, ["status"] = e.Status });
            }
            catch (MatrixException e) when (e.IsAbsent)
            {
                result["changed"] = false; // deleted by someone else since it was read
            }
        }

        return result;
    }
}
