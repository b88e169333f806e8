using System.Globalization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.IdentityModel.JsonWebTokens;

namespace IotAspire.Dashboard.Auth;

/// <summary>Reads and writes the tokens the OpenID Connect handler saved in the session cookie's properties.</summary>
public static class SessionTokens
{
    private const string AccessToken = "access_token";
    private const string RefreshToken = "refresh_token";
    private const string IdToken = "id_token";
    private const string ExpiresAt = "expires_at";

    public static TokenSet? Read(AuthenticationProperties properties)
    {
        var accessToken = properties.GetTokenValue(AccessToken);
        if (string.IsNullOrEmpty(accessToken))
        {
            return null;
        }

        var expiresAt = DateTimeOffset.TryParse(properties.GetTokenValue(ExpiresAt), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var parsed)
            ? parsed
            : DateTimeOffset.MinValue;
        return new TokenSet(accessToken, properties.GetTokenValue(RefreshToken), expiresAt, IssuedAt(accessToken) ?? expiresAt);
    }

    public static void Write(AuthenticationProperties properties, TokenSet tokens)
    {
        var stored = new List<AuthenticationToken>
        {
            new() { Name = AccessToken, Value = tokens.AccessToken },
            new() { Name = ExpiresAt, Value = tokens.ExpiresAt.ToString("o", CultureInfo.InvariantCulture) },
        };
        if (tokens.RefreshToken is not null)
        {
            stored.Add(new AuthenticationToken { Name = RefreshToken, Value = tokens.RefreshToken });
        }

        if ((tokens.IdToken ?? properties.GetTokenValue(IdToken)) is { } idToken)
        {
            stored.Add(new AuthenticationToken { Name = IdToken, Value = idToken });
        }

        properties.StoreTokens(stored);
    }

    /// <summary>The token's own issue time (iat), which tells its lifetime; null for a token that is not a JWT.</summary>
    private static DateTimeOffset? IssuedAt(string accessToken)
    {
        try
        {
            var issuedAt = new JsonWebToken(accessToken).IssuedAt;
            return issuedAt == DateTime.MinValue ? null : new DateTimeOffset(issuedAt, TimeSpan.Zero);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
