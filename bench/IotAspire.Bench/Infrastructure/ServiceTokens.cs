using System.Net.Http.Headers;
using System.Text.Json;

namespace IotAspire.Bench.Infrastructure;

/// <summary>
/// Access tokens of the realm's service client (client credentials grant, role iot-admin), renewed before they expire,
/// and HTTP handlers that put them on every request to the Api.
/// </summary>
public sealed class ServiceTokens(Uri identity, string clientSecret) : IDisposable
{
    public const string ClientId = "iot-service";
    private readonly HttpClient _http = new() { BaseAddress = identity };
    private readonly SemaphoreSlim _renewing = new(1, 1);
    private (string Token, DateTimeOffset Renew) _current;

    public async Task<string> GetAsync(CancellationToken cancellationToken = default)
    {
        if (_current.Token is { } token && DateTimeOffset.UtcNow < _current.Renew)
        {
            return token;
        }

        await _renewing.WaitAsync(cancellationToken);
        try
        {
            if (_current.Token is null || DateTimeOffset.UtcNow >= _current.Renew)
            {
                using var response = await _http.PostAsync("realms/iot/protocol/openid-connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["grant_type"] = "client_credentials",
                    ["client_id"] = ClientId,
                    ["client_secret"] = clientSecret,
                }), cancellationToken);
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"No token for {ClientId}: {(int)response.StatusCode} {body}");
                }

                using var json = JsonDocument.Parse(body);
                var lifetime = TimeSpan.FromSeconds(json.RootElement.GetProperty("expires_in").GetInt32());
                _current = (json.RootElement.GetProperty("access_token").GetString()!, DateTimeOffset.UtcNow + lifetime * 0.8);
            }

            return _current.Token;
        }
        finally
        {
            _renewing.Release();
        }
    }

    /// <summary>An HttpClient for the Api that sends the service client's token.</summary>
    public HttpClient CreateApiClient(Uri api, HttpMessageHandler? inner = null) =>
        new(new BearerHandler(this) { InnerHandler = inner ?? new SocketsHttpHandler() }) { BaseAddress = api, Timeout = TimeSpan.FromSeconds(30) };

    public void Dispose()
    {
        _http.Dispose();
        _renewing.Dispose();
    }

    private sealed class BearerHandler(ServiceTokens tokens) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await tokens.GetAsync(cancellationToken));
            return await base.SendAsync(request, cancellationToken);
        }
    }
}
