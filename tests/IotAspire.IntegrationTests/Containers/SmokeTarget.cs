using IotAspire.Testing;

namespace IotAspire.IntegrationTests.Containers;

/// <summary>
/// A running system as a client reaches it: the Api's public address, the realm's tokens and the broker's public port,
/// and how to restart its broker (a container, here).
/// </summary>
public sealed record SmokeTarget(Uri Api, RealmTokens Tokens, string BrokerHost, int BrokerPort, Func<Task> RestartBroker)
{
    public HttpClient AdminApi() => Tokens.ClientFor(Api, "admin");
}
