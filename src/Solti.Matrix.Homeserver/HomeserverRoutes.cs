using Solti.Matrix.Homeserver.Admin;
using Solti.Matrix.Homeserver.Endpoints;
using Solti.Matrix.Homeserver.Faults;
using Solti.Matrix.Homeserver.Mas;

namespace Solti.Matrix.Homeserver;

/// <summary>Every endpoint the homeserver serves, by area.</summary>
public static class HomeserverRoutes
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        VersionsEndpoints.Map(routes);
        LoginEndpoints.Map(routes);
        AuthMetadataEndpoints.Map(routes);
        AccountEndpoints.Map(routes);
        RoomCreationEndpoints.Map(routes);
        MembershipEndpoints.Map(routes);
        RoomStateEndpoints.Map(routes);
        RoomEventEndpoints.Map(routes);
        RelationsEndpoints.Map(routes);
        ReportEndpoints.Map(routes);
        DirectoryEndpoints.Map(routes);
        KeysEndpoints.Map(routes);
        DeviceEndpoints.Map(routes);
        SyncEndpoints.Map(routes);
        AccountDataEndpoints.Map(routes);
        ReadingEndpoints.Map(routes);
        ClientStartupEndpoints.Map(routes);
        Media.MediaEndpoints.Map(routes);
        AdminServerEndpoints.Map(routes);
        AdminUserEndpoints.Map(routes);
        AdminDeviceEndpoints.Map(routes);
        AdminRatelimitEndpoints.Map(routes);
        AdminUserModerationEndpoints.Map(routes);
        AdminRegistrationEndpoints.Map(routes);
        AdminRoomEndpoints.Map(routes);
        AdminHistoryEndpoints.Map(routes);
        AdminRegistrationTokenEndpoints.Map(routes);
        AdminMediaEndpoints.Map(routes);
        AdminServerNoticeEndpoints.Map(routes);
        ControlEndpoints.Map(routes);
        MasOAuthEndpoints.Map(routes);
        MasAdminUserEndpoints.Map(routes);
        MasAdminSessionEndpoints.Map(routes);
        MasPersonalSessionEndpoints.Map(routes);
        MasRegistrationTokenEndpoints.Map(routes);
    }
}
