using System.Net;
using IotAspire.IntegrationTests.Infrastructure;

namespace IotAspire.IntegrationTests.Security;

/// <summary>Security headers, closed CORS and per-caller rate limits of the Api.</summary>
[Collection(StackCollection.Name)]
public sealed class HttpHardeningTests(StackFixture stack)
{
    [Theory]
    [InlineData("/api/devices")]
    [InlineData("/api/devices/t-none")]
    public async Task ApiAnswers_CarrySecurityHeaders(string path)
    {
        using var response = await stack.Api.GetAsync(path);

        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        Assert.StartsWith("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.True(response.Headers.CacheControl?.NoStore);
    }

    [Fact]
    public async Task Unauthorized_AlsoCarriesSecurityHeaders()
    {
        using var response = await stack.AnonymousApi.GetAsync("/api/devices");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task CorsPreflight_FromAnyOrigin_IsNotAllowedByDefault()
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, "/api/devices");
        request.Headers.Add("Origin", "https://evil.example");
        request.Headers.Add("Access-Control-Request-Method", "GET");
        request.Headers.Add("Access-Control-Request-Headers", "authorization");

        using var response = await stack.AnonymousApi.SendAsync(request);

        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Flood_FromOneUser_Is429WithRetryAfter_WhileOthersAreServed()
    {
        // The service account floods (client credentials): no other test uses it, so no other test gets its 429s.
        using var flooder = stack.Tokens.ServiceClientFor(stack.ApiAddress);
        var statuses = new System.Collections.Concurrent.ConcurrentBag<(HttpStatusCode Status, string? RetryAfter, string? Type)>();

        // Far more than the limit: each replica lets a caller burst 200 and then 50 per second.
        await Parallel.ForEachAsync(Enumerable.Range(0, 1500), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (_, ct) =>
        {
            using var response = await flooder.GetAsync("/api/devices?limit=1", ct);
            statuses.Add((response.StatusCode, response.Headers.RetryAfter?.ToString(), response.Content.Headers.ContentType?.MediaType));
        });
        using var other = await stack.Api.GetAsync("/api/devices?limit=1");

        var limited = statuses.Where(s => s.Status == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(limited);
        Assert.All(limited, s => Assert.Equal("application/problem+json", s.Type));
        Assert.All(limited, s => Assert.False(string.IsNullOrEmpty(s.RetryAfter)));
        Assert.All(statuses, s => Assert.Contains(s.Status, new[] { HttpStatusCode.OK, HttpStatusCode.TooManyRequests }));
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }
}
