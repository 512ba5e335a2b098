namespace Solti.Matrix.Homeserver.Admin;

/// <summary><c>GET /_synapse/admin/v1/server_version</c>.</summary>
public static class AdminServerEndpoints
{
    public static void Map(IEndpointRouteBuilder routes) =>
        routes.Map("GET", "/_synapse/admin/v1/server_version", "admin.server_version", AuthMode.None, scope =>
        {
            var reply = new JsonObject { ["server_version"] = scope.State.Options.ServerVersion };
            if (scope.State.Options.Compatibility.ReportPythonVersion)
            {
                reply["python_version"] = "3.11.2";
            }

            return Reply.Ok(reply);
        });
}
