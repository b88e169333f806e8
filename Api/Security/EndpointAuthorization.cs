namespace IotAspire.Api.Security;

public static class EndpointAuthorization
{
    /// <summary>Requires the policy and documents the two answers it adds: 401 without a valid token, 403 without the role.</summary>
    public static RouteGroupBuilder RequirePolicy(this RouteGroupBuilder builder, string policy) =>
        builder.RequireAuthorization(policy)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);

    /// <inheritdoc cref="RequirePolicy(RouteGroupBuilder, string)"/>
    public static RouteHandlerBuilder RequirePolicy(this RouteHandlerBuilder builder, string policy) =>
        builder.RequireAuthorization(policy)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
}
