// Namespaces that nearly every file of this project uses, imported once here.
global using System.Text.Json.Nodes;
global using Solti.Matrix.Homeserver.Http;
global using Solti.Matrix.Homeserver.State;
global using Solti.Matrix.Homeserver.Auth;
