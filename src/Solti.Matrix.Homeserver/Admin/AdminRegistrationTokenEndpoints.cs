namespace Solti.Matrix.Homeserver.Admin;

public static class AdminRegistrationTokenEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        _ = routes;
    }
}
