namespace Solti.Matrix.Ansible.Tests.Support;

/// <summary>The tests that share one installed collection (<see cref="InstalledCollection"/>).</summary>
[CollectionDefinition("ansible")]
public sealed class AnsibleCollectionGroup : ICollectionFixture<InstalledCollection>;
