using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace IotAspire.Simulator.Api;

/// <summary>Puts the service client's access token on every Api call; without a configured secret it adds nothing.</summary>
public sealed class ServiceTokenHandler(ServiceTokens tokens, IOptions<SimulatorOptions> options) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (options.Value.Identity is { ClientSecret.Length: > 0 } identity)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await tokens.GetAsync(identity, cancellationToken));
        }

        return await base.SendAsync(request, cancellationToken);
    }
}

/// <summary>
/// The service client's access token (OIDC client credentials, realm client <c>iot-service</c>), fetched when first
/// needed and again shortly before it expires; one for the whole process.
/// </summary>
public sealed class ServiceTokens(IHttpClientFactory httpClients, TimeProvider clock) : IDisposable
{
    public const string TokenClientName = "identity";
    private static readonly TimeSpan RenewBefore = TimeSpan.FromSeconds(30);
    private readonly SemaphoreSlim _renewing = new(1, 1);
    private (string Token, DateTimeOffset Expires)? _current;

    public async Task<string> GetAsync(ServiceIdentityOptions identity, CancellationToken cancellationToken)
    {
        if (_current is { } current && current.Expires - RenewBefore > clock.GetUtcNow())
        {
            return current.Token;
        }

        await _renewing.WaitAsync(cancellationToken);
        try
        {
            if (_current is { } renewed && renewed.Expires - RenewBefore > clock.GetUtcNow())
            {
                return renewed.Token;
            }

            using var http = httpClients.CreateClient(TokenClientName);
            using var response = await http.PostAsync(identity.TokenEndpoint, new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials",
                ["client_id"] = identity.ClientId,
                ["client_secret"] = identity.ClientSecret!,
            }), cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                // The status travels with the exception, so that the caller's retry rules apply (5xx: try again).
                throw new HttpRequestException(
                    $"The token endpoint {identity.TokenEndpoint} answered {(int)response.StatusCode}.", null, response.StatusCode);
            }

            var answer = await response.Content.ReadFromJsonAsync<TokenAnswer>(cancellationToken)
                ?? throw new HttpRequestException("The token endpoint answered no token.");
            _current = (answer.AccessToken, clock.GetUtcNow().AddSeconds(answer.ExpiresIn));
            return answer.AccessToken;
        }
        finally
        {
            _renewing.Release();
        }
    }

    public void Dispose() => _renewing.Dispose();

    private sealed record TokenAnswer(
        [property: JsonPropertyName("access_token")] string AccessToken,
        [property: JsonPropertyName("expires_in")] int ExpiresIn);
}
