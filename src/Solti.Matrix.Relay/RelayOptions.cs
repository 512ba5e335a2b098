namespace Solti.Matrix.Relay;

/// <summary>Where the relay listens and how much it holds.</summary>
public sealed record RelayOptions(string Listen, long MaxQueue, TimeSpan Poll, TimeSpan KeepDelivered);
