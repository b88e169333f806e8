using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace IotAspire.Testing;

/// <summary>
/// Access tokens from the realm's token endpoint, as scripts get them: the users' by the password grant (client
/// <c>iot-cli</c>), the service client's by client credentials (<c>iot-service</c>). Cached until shortly before they
/// expire, and put on every request of the HttpClients made here. Shared by the integration tests and the benchmarks.
/// </summary>
/// <param name="handler">How to reach the provider (a test that resolves its public host name itself), else the default.</param>
public sealed class RealmTokens(Uri identity, IReadOnlyDictionary<string, string> passwords, string? serviceSecret = null, HttpMessageHandler? handler = null) : IDisposable
{
    public const string CliClient = "iot-cli";
    public const string ServiceClient = "iot-service";
    public const string TokenPath = "realms/iot/protocol/openid-connect/token";
    private static readonly TimeSpan RenewBefore = TimeSpan.FromSeconds(30);
    private readonly ConcurrentDictionary<string, (string Token, DateTimeOffset Expires)> _cache = new(StringComparer.Ordinal);
    private readonly HttpClient _http = new(handler ?? new SocketsHttpHandler()) { BaseAddress = identity };

    /// <summary>A user's token (password grant).</summary>
    public Task<string> GetAsync(string user, CancellationToken cancellationToken = default) =>
        CachedAsync("user:" + user, () => new Dictionary<string, string>
        {
            ["grant_type"] = "password",
            ["client_id"] = CliClient,
            ["username"] = user,
            ["password"] = passwords.TryGetValue(user, out var password) ? password : throw new ArgumentException($"No password known for '{user}'."),
        }, cancellationToken);

    /// <summary>The service client's token (client credentials, role iot-admin).</summary>
    public Task<string> GetServiceAsync(CancellationToken cancellationToken = default) =>
        CachedAsync("client:" + ServiceClient, () => new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = ServiceClient,
            ["client_secret"] = serviceSecret ?? throw new InvalidOperationException("No service client secret known."),
        }, cancellationToken);

    public async Task<TokenAnswer> RequestAsync(IReadOnlyDictionary<string, string> form, CancellationToken cancellationToken = default)
    {
        using var response = await _http.PostAsync(TokenPath, new FormUrlEncodedContent(form), cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"The token endpoint answered {(int)response.StatusCode}: {body}", null, response.StatusCode);
        }

        return JsonSerializer.Deserialize<TokenAnswer>(body) ?? throw new InvalidOperationException("The token endpoint answered nothing.");
    }

    /// <summary>An HttpClient for the Api whose every request carries this user's current token (none for null).</summary>
    public HttpClient ClientFor(Uri api, string? user, HttpMessageHandler? inner = null) =>
        Client(api, user is null ? null : cancellationToken => GetAsync(user, cancellationToken), inner);

    /// <summary>An HttpClient for the Api whose every request carries the service client's current token.</summary>
    public HttpClient ServiceClientFor(Uri api, HttpMessageHandler? inner = null) => Client(api, GetServiceAsync, inner);

    public void Dispose() => _http.Dispose();

    private async Task<string> CachedAsync(string key, Func<Dictionary<string, string>> form, CancellationToken cancellationToken)
    {
        if (_cache.TryGetValue(key, out var cached) && cached.Expires - RenewBefore > DateTimeOffset.UtcNow)
        {
            return cached.Token;
        }

        var answer = await RequestAsync(form(), cancellationToken);
        _cache[key] = (answer.AccessToken, DateTimeOffset.UtcNow.AddSeconds(answer.ExpiresIn));
        return answer.AccessToken;
    }

    private static HttpClient Client(Uri api, Func<CancellationToken, Task<string>>? token, HttpMessageHandler? inner) =>
        new(new BearerHandler(token) { InnerHandler = inner ?? new SocketsHttpHandler() }) { BaseAddress = api, Timeout = TimeSpan.FromSeconds(60) };

    public sealed record TokenAnswer(
        [property: JsonPropertyName("access_token")] string AccessToken,
        [property: JsonPropertyName("expires_in")] int ExpiresIn,
        [property: JsonPropertyName("refresh_token")] string? RefreshToken,
        [property: JsonPropertyName("token_type")] string TokenType);

    private sealed class BearerHandler(Func<CancellationToken, Task<string>>? token) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (token is not null && request.Headers.Authorization is null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await token(cancellationToken));
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
