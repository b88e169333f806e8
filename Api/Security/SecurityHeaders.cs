namespace IotAspire.Api.Security;

/// <summary>
/// The usual response headers for a JSON API: no sniffing, no framing, no referrer, and a Content-Security-Policy
/// that allows nothing (the API serves no pages; the Scalar reference UI gets a policy that lets it run).
/// </summary>
public static class SecurityHeaders
{
    private const string ApiPolicy = "default-src 'none'; frame-ancestors 'none'";
    private const string ReferenceUiPolicy =
        "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; font-src 'self' data: https://fonts.gstatic.com https://cdn.jsdelivr.net; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "no-referrer";
                headers["Cross-Origin-Resource-Policy"] = "same-origin";
                headers.ContentSecurityPolicy = context.Request.Path.StartsWithSegments("/scalar") ? ReferenceUiPolicy : ApiPolicy;
                if (context.Request.Path.StartsWithSegments("/api"))
                {
                    headers.CacheControl = "no-store"; // Device data and credentials must not sit in shared caches.
                }

                return Task.CompletedTask;
            });
            await next(context);
        });
}
