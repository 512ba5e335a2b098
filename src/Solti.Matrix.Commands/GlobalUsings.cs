// Namespaces that nearly every file of this project uses, imported once here.
global using System.CommandLine;
global using System.Text.Json.Nodes;
