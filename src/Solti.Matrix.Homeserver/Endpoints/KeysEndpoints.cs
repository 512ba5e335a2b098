using Solti.Matrix.Homeserver.E2ee;

namespace Solti.Matrix.Homeserver.Endpoints;

/// <summary>End-to-end encryption: device keys (<c>/keys/upload</c>, <c>/keys/query</c>, <c>/keys/claim</c>,
/// <c>/keys/changes</c>), cross-signing (<c>/keys/device_signing/upload</c>, <c>/keys/signatures/upload</c>) and to-device
/// messages (<c>/sendToDevice</c>).</summary>
public static class KeysEndpoints
{
    /// <summary>Synapse's in-memory transaction cache (<c>HttpTransactionCache</c>) forgets after 30 minutes; to-device
    /// messages have no other de-duplication.</summary>
    private static readonly TimeSpan ToDeviceTxnLifetime = TimeSpan.FromMinutes(30);

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapClient("POST", "/keys/upload", "keys.upload", AuthMode.User, scope =>
            Reply.Ok(DeviceKeys.Upload(scope.State, scope.Requester, scope.Body)));
        routes.MapClient("POST", "/keys/query", "keys.query", AuthMode.User, scope => Reply.Ok(DeviceKeys.Query(scope.State, scope.Requester.UserId, scope.Body)));
        routes.MapClient("POST", "/keys/device_signing/upload", "keys.device_signing.upload", AuthMode.User, scope => Reply.Ok(CrossSigning.Upload(scope)));
        routes.MapClient("POST", "/keys/signatures/upload", "keys.signatures.upload", AuthMode.User, scope => Reply.Ok(CrossSigning.UploadSignatures(scope.State, scope.Requester.UserId, scope.Body)));
        routes.MapClient("POST", "/keys/claim", "keys.claim", AuthMode.User, scope => Reply.Ok(DeviceKeys.Claim(scope.State, scope.Body)));
        routes.MapClient("GET", "/keys/changes", "keys.changes", AuthMode.User, Changes);
        routes.MapClient("PUT", "/sendToDevice/{eventType}/{txnId}", "sendToDevice", AuthMode.User, SendToDevice);
    }

    /// <summary>As Synapse, <c>to</c> is required by the spec but ignored: the changes from <c>from</c> until now.</summary>
    private static Reply Changes(RequestScope scope)
    {
        var from = StreamTokens.Parse(scope.Query("from") ?? throw new HomeserverErrorException(400, "M_MISSING_PARAM", "Missing string query parameter 'from'"))!.Value;
        var (changed, left) = DeviceLists.Since(scope.Server, scope.Requester.UserId, from);
        return Reply.Ok(new JsonObject
        {
            ["changed"] = new JsonArray([.. changed.Select(u => (JsonNode)u)]),
            ["left"] = new JsonArray([.. left.Select(u => (JsonNode)u)]),
        });
    }

    /// <summary>A repeat of the same path within the transaction scope (device, or access token as Synapse 1.67) is
    /// answered without sending again.</summary>
    private static Reply SendToDevice(RequestScope scope)
    {
        var state = scope.State;
        var txnKey = string.Join('\u001f', scope.Requester.TxnScope(state.Options.Compatibility.TxnScope), scope.Context.Request.Path.Value);
        if (state.Data.Transactions.TryGetValue(txnKey, out var seen) && state.NowMs - seen.CreatedMs < (long)ToDeviceTxnLifetime.TotalMilliseconds)
        {
            return Reply.Empty();
        }

        var messages = scope.Body["messages"] as JsonObject ?? throw Errors.MissingParam("messages");
        ToDeviceInbox.Send(state, scope.Requester.UserId, scope.Route("eventType"), messages);
        state.Data.Transactions[txnKey] = new TransactionRecord { EventId = "", CreatedMs = state.NowMs };
        return Reply.Empty();
    }
}
