namespace IotAspire.Core.Presence;

/// <summary>
/// Live presence in Redis: hash <c>presence:{deviceId}</c> with fields online ("1"/"0") and since (unix ms).
/// The worker writes it from the device's retained status topic and Last Will; the Api reads it.
/// </summary>
public static class PresenceKeys
{
    public const string OnlineField = "online";
    public const string SinceField = "since";

    public static string Key(string deviceId) => "presence:" + deviceId;
}
