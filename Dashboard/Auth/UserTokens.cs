using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.Extensions.Options;
using IotAspire.Dashboard.Extensions;

namespace IotAspire.Dashboard.Auth;

/// <summary>
/// The signed-in user's Api token, per DI scope: per request for endpoints, per circuit for interactive pages. A circuit
/// keeps the HttpContext it started with, whose cookie is never written again, so it renews its own copy of the tokens
/// with the refresh-token grant: a page left open for hours keeps calling the Api and keeps its hub connection.
/// </summary>
public sealed partial class UserTokens(
    IHttpContextAccessor httpContextAccessor,
    TokenRefresher refresher,
    IOptions<DashboardIdentityOptions> identity,
    TimeProvider clock,
    ILogger<UserTokens> logger) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private TokenSet? _tokens;
    private bool _initialized;

    /// <summary>Raised once when the provider refused to renew an expired token: the user has to sign in again.</summary>
    public event Action? SessionExpired;

    public bool IsSessionExpired { get; private set; }

    /// <summary>Takes the tokens from the request's authentication result (the session cookie, already renewed if it was due).</summary>
    public void Initialize(HttpContext? context)
    {
        if (_initialized || context?.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult is not { Succeeded: true } result)
        {
            return;
        }

        _tokens = result.Properties is null ? null : SessionTokens.Read(result.Properties);
        _initialized = true;
    }

    /// <summary>A valid access token, renewed first when it is due; null when there is no session (or it ended).</summary>
    public async Task<string?> GetAccessTokenAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            Initialize(httpContextAccessor.HttpContext);
            if (_tokens is not { } tokens)
            {
                return null;
            }

            var now = clock.GetUtcNow();
            if (!tokens.IsDue(now, identity.Value.RefreshBefore))
            {
                return tokens.AccessToken;
            }

            TokenSet? renewed = null;
            try
            {
                renewed = tokens.RefreshToken is null ? null : await refresher.RefreshAsync(tokens.RefreshToken, cancellationToken);
            }
            catch (HttpRequestException ex)
            {
                // The provider is not reachable now: the current token serves while it lasts, and the next call tries again.
                LogProviderUnreachable(ex.Message);
                return now < tokens.ExpiresAt ? tokens.AccessToken : null;
            }

            if (renewed is null)
            {
                if (now < tokens.ExpiresAt)
                {
                    return tokens.AccessToken;
                }

                _tokens = null;
                IsSessionExpired = true;
                SessionExpired?.Invoke();
                return null;
            }

            _tokens = renewed;
            return renewed.AccessToken;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "The identity provider is not reachable to renew a token: {Reason}")]
    private partial void LogProviderUnreachable(string reason);
}

/// <summary>Hands the circuit's first HttpContext (the one with the session cookie) to the circuit's <see cref="UserTokens"/>.</summary>
public sealed class CircuitTokenCapture(UserTokens tokens, IHttpContextAccessor httpContextAccessor) : CircuitHandler
{
    public override Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        tokens.Initialize(httpContextAccessor.HttpContext);
        return Task.CompletedTask;
    }
}
