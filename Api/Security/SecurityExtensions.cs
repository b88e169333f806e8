using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using IotAspire.Realtime;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace IotAspire.Api.Security;

/// <summary>Bearer tokens from any OIDC provider, role policies, per-caller rate limits, CORS and security headers.</summary>
public static class SecurityExtensions
{
    public static IHostApplicationBuilder AddApiSecurity(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<IdentityOptions>()
            .BindConfiguration(IdentityOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<IdentityOptions>>((bearer, identity) => ConfigureBearer(bearer, identity.Value));

        builder.Services.AddAuthorizationBuilder()
            // Whatever is mapped without a policy still needs a signed-in caller: nothing is open by accident.
            .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(ApiRoles.ViewerPolicy, policy => policy.RequireRole(ApiRoles.ViewerRoles))
            .AddPolicy(ApiRoles.OperatorPolicy, policy => policy.RequireRole(ApiRoles.OperatorRoles))
            .AddPolicy(ApiRoles.AdminPolicy, policy => policy.RequireRole(ApiRoles.AdminRoles));

        builder.Services.AddOptions<CallerRateLimitOptions>()
            .BindConfiguration(CallerRateLimitOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddRateLimiter(_ => { });
        builder.Services.AddOptions<RateLimiterOptions>()
            .Configure<IOptions<CallerRateLimitOptions>>((limiter, limits) => ConfigureRateLimits(limiter, limits.Value));

        var cors = builder.Configuration.GetSection(ApiCorsOptions.Section).Get<ApiCorsOptions>() ?? new ApiCorsOptions();
        builder.Services.AddCors(options => options.AddPolicy(ApiCorsOptions.PolicyName, policy =>
        {
            if (cors.AllowedOrigins.Length > 0)
            {
                policy.WithOrigins(cors.AllowedOrigins).AllowAnyHeader().AllowAnyMethod().WithExposedHeaders("ETag", "Location", "Retry-After");
            }
        }));
        return builder;
    }

    /// <summary>Order matters: headers on every answer, then CORS, who the caller is, their rate, what they may do.</summary>
    public static WebApplication UseApiSecurity(this WebApplication app)
    {
        app.UseSecurityHeaders();
        app.UseCors(ApiCorsOptions.PolicyName);
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        return app;
    }

    private static void ConfigureBearer(JwtBearerOptions bearer, IdentityOptions identity)
    {
        bearer.Authority = identity.Authority;
        bearer.Audience = identity.Audience;
        bearer.RequireHttpsMetadata = identity.RequireHttpsMetadata;
        bearer.MapInboundClaims = false; // Keep the provider's claim names (sub, preferred_username, realm_access).
        bearer.TokenValidationParameters.NameClaimType = "preferred_username";
        bearer.TokenValidationParameters.RoleClaimType = RoleClaims.Type;
        if (identity.ValidIssuers.Length > 0)
        {
            bearer.TokenValidationParameters.ValidIssuers = [identity.Authority.TrimEnd('/'), .. identity.ValidIssuers];
        }

        bearer.Events = new JwtBearerEvents
        {
            // Browsers cannot set headers on WebSocket or server-sent-event requests: SignalR sends the token in the query.
            OnMessageReceived = context =>
            {
                if (context.HttpContext.Request.Path.StartsWithSegments(DevicesHub.Path)
                    && context.Request.Query["access_token"] is { Count: 1 } token)
                {
                    context.Token = token.ToString();
                }

                return Task.CompletedTask;
            },
            OnTokenValidated = context =>
            {
                if (context.Principal?.Identity is ClaimsIdentity claims)
                {
                    RoleClaims.AddTo(claims, identity.RolesClaim);
                }

                return Task.CompletedTask;
            },
        };
    }

    /// <summary>
    /// A hub connection's own requests (the WebSocket, the event stream, each long poll and send) are not counted: a
    /// long-polling client that receives many events polls as often, and a 429 would break its connection. Opening a
    /// connection (negotiate) counts like any request.
    /// </summary>
    private static bool IsHubTransport(PathString path) =>
        path.StartsWithSegments(DevicesHub.Path, out var rest) && !rest.StartsWithSegments("/negotiate");

    private static void ConfigureRateLimits(RateLimiterOptions limiter, CallerRateLimitOptions limits)
    {
        limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
        {
            if (limits.PermitsPerSecond == 0 || context.Request.Path.StartsWithSegments("/health") || context.Request.Path.StartsWithSegments("/alive")
                || IsHubTransport(context.Request.Path))
            {
                return RateLimitPartition.GetNoLimiter("unlimited");
            }

            var caller = context.User.FindFirst("sub")?.Value is { } subject
                ? "sub:" + subject
                : "ip:" + context.Connection.RemoteIpAddress;
            return RateLimitPartition.GetTokenBucketLimiter(caller, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = limits.Burst,
                TokensPerPeriod = limits.PermitsPerSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            });
        });
        limiter.OnRejected = async (context, cancellationToken) =>
        {
            var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
            context.HttpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            var problems = context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>();
            await problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context.HttpContext,
                ProblemDetails =
                {
                    Status = StatusCodes.Status429TooManyRequests,
                    Title = "Too many requests",
                    Detail = $"More than {limits.PermitsPerSecond} requests per second (bursts of {limits.Burst}) from one caller; retry after the time in Retry-After.",
                },
            });
        };
    }
}
