namespace Solti.Matrix.Homeserver.Admin;

public static class AdminRoomEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        _ = routes;
    }
}
