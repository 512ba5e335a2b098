namespace Solti.Matrix.Homeserver.Rooms;

/// <summary>One entry of <c>initial_state</c> in <c>POST /createRoom</c>.</summary>
public sealed record InitialStateEvent(string Type, string StateKey, JsonObject Content);
