using Aspire.Hosting;
using IotAspire.Core;
using IotAspire.IntegrationTests.Infrastructure;

namespace IotAspire.IntegrationTests.Api;

/// <summary>The Api's replicas as the app model runs them: each one's own address, behind the proxied endpoint.</summary>
public static class ApiReplicas
{
    /// <summary>The direct base address of every running Api replica (from its ASPNETCORE_URLS).</summary>
    public static async Task<IReadOnlyList<Uri>> AddressesAsync(StackFixture stack, int expected)
    {
        var addresses = new Dictionary<string, Uri>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await foreach (var update in stack.App.ResourceNotifications.WatchAsync(timeout.Token))
        {
            if (update.Resource.Name != ResourceNames.Api || update.Snapshot.State?.Text != "Running")
            {
                continue;
            }

            var urls = update.Snapshot.EnvironmentVariables.FirstOrDefault(v => v.Name == "ASPNETCORE_URLS")?.Value;
            if (urls?.Split(';').FirstOrDefault() is { Length: > 0 } url)
            {
                addresses[update.ResourceId] = new Uri(url);
            }

            if (addresses.Count >= expected)
            {
                break;
            }
        }

        return addresses.Values.ToList();
    }
}
