namespace IotAspire.Api.Security;

/// <summary>Browser origins allowed to call the Api, section <c>Cors</c>. Empty (the default) means none: CORS closed.</summary>
public sealed class ApiCorsOptions
{
    public const string Section = "Cors";
    public const string PolicyName = "configured-origins";

    public string[] AllowedOrigins { get; set; } = [];
}
