using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.Options;

namespace IotAspire.Dashboard.Auth;

/// <summary>The refresh-token grant against the provider's token endpoint (from its discovery document).</summary>
public sealed partial class TokenRefresher(
    IOptionsMonitor<OpenIdConnectOptions> oidcOptions, IHttpClientFactory httpClients, TimeProvider clock, ILogger<TokenRefresher> logger)
{
    public const string HttpClientName = "oidc-token";

    /// <summary>New tokens, or null when the provider refused (expired or revoked session): the user signs in again.</summary>
    public async Task<TokenSet?> RefreshAsync(string refreshToken, CancellationToken cancellationToken)
    {
        var options = oidcOptions.Get(OpenIdConnectDefaults.AuthenticationScheme);
        var configuration = await options.ConfigurationManager!.GetConfigurationAsync(cancellationToken);
        using var request = new HttpRequestMessage(HttpMethod.Post, configuration.TokenEndpoint)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "refresh_token",
                ["client_id"] = options.ClientId!,
                ["refresh_token"] = refreshToken,
            }),
        };

        var obtainedAt = clock.GetUtcNow();
        using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            LogRefused((int)response.StatusCode);
            return null;
        }

        var answer = await response.Content.ReadFromJsonAsync<TokenResponse>(cancellationToken);
        if (answer?.AccessToken is not { Length: > 0 } accessToken)
        {
            LogRefused((int)response.StatusCode);
            return null;
        }

        // Providers may or may not rotate refresh tokens: keep the old one when no new one comes.
        return new TokenSet(accessToken, answer.RefreshToken ?? refreshToken, obtainedAt.AddSeconds(answer.ExpiresIn), obtainedAt)
        {
            IdToken = answer.IdToken,
        };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The identity provider refused to refresh the session's tokens ({Status}); the user signs in again")]
    private partial void LogRefused(int status);

    private sealed record TokenResponse(
        [property: JsonPropertyName("access_token")] string? AccessToken,
        [property: JsonPropertyName("refresh_token")] string? RefreshToken,
        [property: JsonPropertyName("id_token")] string? IdToken,
        [property: JsonPropertyName("expires_in")] int ExpiresIn);
}
