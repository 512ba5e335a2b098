namespace Solti.Matrix.Ansible.Modules;

/// <summary>Every module this binary serves, by name.</summary>
public static class ModuleCatalog
{
    public static IReadOnlyDictionary<string, IModule> All { get; } = new IModule[]
    {
        new MatrixConfigModule(),
        new MatrixEventModule(),
        new MatrixTokenModule(),
        new SynapseConfigCheckModule(),
        new SynapseDeviceInfoModule(),
        new SynapseEventReportModule(),
        new SynapseEventReportInfoModule(),
        new SynapseInfoModule(),
        new SynapseRegistrationTokenModule(),
        new SynapseUserModule(),
        new SynapseUserInfoModule(),
        new SynapseRoomInfoModule(),
        new SynapseRoomModule(),
    }.ToDictionary(m => m.Name, StringComparer.Ordinal);
}
