// Namespaces that nearly every file of this project uses, imported once here.
global using System.Text.Json;
global using System.Text.Json.Nodes;
global using Solti.Matrix.Ansible.Host;
global using Solti.Matrix.Identifiers;
