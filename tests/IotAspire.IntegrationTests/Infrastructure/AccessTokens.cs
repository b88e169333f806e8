using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.Json.Serialization;

namespace IotAspire.IntegrationTests.Infrastructure;

/// <summary>
/// Access tokens of the realm's users from the identity provider's token endpoint (password grant with the
/// <c>iot-cli</c> client, as a script would), cached until shortly before they expire.
/// </summary>
public sealed class AccessTokens(Uri identity, IReadOnlyDictionary<string, string> passwords)
{
    public const string CliClient = "iot-cli";
    private static readonly TimeSpan RenewBefore = TimeSpan.FromSeconds(30);
    private readonly ConcurrentDictionary<string, (string Token, DateTimeOffset Expires)> _cache = new(StringComparer.Ordinal);
    private readonly HttpClient _http = new() { BaseAddress = identity };

    public static string TokenPath => "realms/iot/protocol/openid-connect/token";

    public async Task<string> GetAsync(string user, CancellationToken cancellationToken = default)
    {
        if (_cache.TryGetValue(user, out var cached) && cached.Expires - RenewBefore > DateTimeOffset.UtcNow)
        {
            return cached.Token;
        }

        var answer = await RequestAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "password",
            ["client_id"] = CliClient,
            ["username"] = user,
            ["password"] = passwords.TryGetValue(user, out var password) ? password : throw new ArgumentException($"No password known for '{user}'."),
        }, cancellationToken);
        _cache[user] = (answer.AccessToken, DateTimeOffset.UtcNow.AddSeconds(answer.ExpiresIn));
        return answer.AccessToken;
    }

    public async Task<TokenAnswer> RequestAsync(IReadOnlyDictionary<string, string> form, CancellationToken cancellationToken = default)
    {
        using var response = await _http.PostAsync(TokenPath, new FormUrlEncodedContent(form), cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"The token endpoint answered {(int)response.StatusCode}: {body}", null, response.StatusCode);
        }

        return System.Text.Json.JsonSerializer.Deserialize<TokenAnswer>(body)
            ?? throw new InvalidOperationException("The token endpoint answered nothing.");
    }

    /// <summary>An HttpClient for the Api whose every request carries this user's current token.</summary>
    public HttpClient ClientFor(Uri api, string? user) =>
        new(new BearerHandler(this, user) { InnerHandler = new SocketsHttpHandler() }) { BaseAddress = api };

    public sealed record TokenAnswer(
        [property: JsonPropertyName("access_token")] string AccessToken,
        [property: JsonPropertyName("expires_in")] int ExpiresIn,
        [property: JsonPropertyName("refresh_token")] string? RefreshToken,
        [property: JsonPropertyName("token_type")] string TokenType);

    private sealed class BearerHandler(AccessTokens tokens, string? user) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (user is not null && request.Headers.Authorization is null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await tokens.GetAsync(user, cancellationToken));
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
