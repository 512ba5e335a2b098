namespace Solti.Matrix.Homeserver.Admin;

public static class AdminRegistrationEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        _ = routes;
    }
}
