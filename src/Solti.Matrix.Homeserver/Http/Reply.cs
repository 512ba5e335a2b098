namespace Solti.Matrix.Homeserver.Http;

/// <summary>What an endpoint answers: a status and a JSON body, or (a long poll) an answer computed later.</summary>
public sealed record Reply(int Status, JsonNode Body)
{
    /// <summary>When set, the dispatcher releases the state lock and awaits this for the real answer: the handler may
    /// wait for changes (<see cref="State.StreamNotifier"/>) and takes the lock again itself (<see cref="ServerContext.Locked{T}"/>).</summary>
    public Func<CancellationToken, Task<Reply>>? Later { get; init; }

    public static Reply Ok(JsonNode body) => new(200, body);

    public static Reply Empty() => new(200, new JsonObject());

    public static Reply Deferred(Func<CancellationToken, Task<Reply>> later) => new(200, new JsonObject()) { Later = later };
}
