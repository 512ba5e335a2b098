using System.Text.Json.Serialization;

namespace Solti.Matrix.Homeserver.State;

[JsonSourceGenerationOptions(WriteIndented = false, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ServerData))]
internal sealed partial class StateJsonContext : JsonSerializerContext;
