namespace Solti.Matrix.Homeserver.Http;

/// <summary>A stable endpoint name (e.g. <c>login</c>, <c>rooms.send</c>) used for request counters and faults.</summary>
public sealed record EndpointLabel(string Name);
