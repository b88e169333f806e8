namespace IotAspire.Dashboard.Auth;

/// <summary>The user's tokens: the access token for the Api, the refresh token that renews it, and when it expires.</summary>
public sealed record TokenSet(string AccessToken, string? RefreshToken, DateTimeOffset ExpiresAt, DateTimeOffset ObtainedAt)
{
    /// <summary>The ID token of a refresh, when the provider sends one (kept in the cookie for sign-out's id_token_hint).</summary>
    public string? IdToken { get; init; }

    /// <summary>
    /// Due for renewal within <paramref name="refreshBefore"/> of expiry, or within a third of its lifetime when that
    /// is shorter (a 30-second test token is not refreshed on every call).
    /// </summary>
    public bool IsDue(DateTimeOffset now, TimeSpan refreshBefore)
    {
        var lifetime = ExpiresAt - ObtainedAt;
        var margin = lifetime > TimeSpan.Zero && lifetime / 3 < refreshBefore ? lifetime / 3 : refreshBefore;
        return now >= ExpiresAt - margin;
    }
}
