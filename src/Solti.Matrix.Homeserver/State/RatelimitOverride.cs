namespace Solti.Matrix.Homeserver.State;

public sealed record RatelimitOverride(long MessagesPerSecond, long BurstCount);
