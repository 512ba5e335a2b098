namespace Solti.Matrix.Ansible.Host;

/// <summary>A module: a name, an argument spec, and a run that returns the result keys.</summary>
public interface IModule
{
    string Name { get; }

    ArgumentSpec Spec { get; }

    Task<JsonObject> RunAsync(AnsibleModule module, CancellationToken cancellationToken);
}
