using System.Text.Json;
using System.Text.Json.Nodes;
using Bunit;
using IotAspire.Dashboard.ApiClient;
using IotAspire.Dashboard.Components.Pages.Devices;
using IotAspire.Dashboard.Live;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;
using MudBlazor;
using MudBlazor.Services;

namespace IotAspire.UnitTests.Dashboard;

/// <summary>bUnit with the dashboard's services: MudBlazor, a scripted Api, a live connection the test drives, and a user.</summary>
public abstract class DashboardContext : BunitContext, IAsyncLifetime
{
    protected DashboardContext()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        Services.AddSingleton<IDeviceApi>(Api);
        Services.AddSingleton<ILiveConnectionFactory>(Live);
        Services.AddSingleton(TimeProvider.System);
        Services.AddScoped<CommandHistory>();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    // MudBlazor registers services that only dispose asynchronously: xunit 2 awaits this before Dispose.
    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    protected FakeDeviceApi Api { get; } = new();

    protected FakeLiveConnection Live { get; } = new();

    /// <summary>Signs in a user with one realm role (iot-viewer, iot-operator, iot-admin).</summary>
    protected void SignIn(string role)
    {
        var auth = AddAuthorization();
        auth.SetAuthorized(role.Replace("iot-", "", StringComparison.Ordinal));
        auth.SetRoles(role);
    }

    /// <summary>A page with a popover provider beside it, as in the layout (selects and menus need one).</summary>
    protected static void WithPopovers<TPage>(RenderTreeBuilder builder, Action<RenderTreeBuilder>? attributes = null) where TPage : IComponent
    {
        builder.OpenComponent<MudPopoverProvider>(0);
        builder.CloseComponent();
        builder.OpenComponent<TPage>(1);
        attributes?.Invoke(builder);
        builder.CloseComponent();
    }

    public static DeviceDto Device(string id, bool online = true) =>
        new(id, id, DateTime.UtcNow.AddDays(-1), DateTime.UtcNow, online, DateTime.UtcNow.AddHours(-1), null, null);

    public static JsonObject Shadow(long version, string desired, string reported) => new()
    {
        ["state"] = new JsonObject { ["desired"] = JsonNode.Parse(desired), ["reported"] = JsonNode.Parse(reported) },
        ["version"] = version,
    };
}

/// <summary>An Api whose answers the test sets; it records what it was asked.</summary>
public sealed class FakeDeviceApi : IDeviceApi
{
    public List<DeviceDto> Devices { get; } = [];
    public JsonObject? ShadowDocument { get; set; }
    public ApiResult<JsonObject>? UpdateAnswer { get; set; }
    public List<(JsonObject Patch, long? Version)> Updates { get; } = [];
    public List<DeviceQuery> Queries { get; } = [];

    public Task<ApiResult<DeviceListPage>> ListDevicesAsync(DeviceQuery query, CancellationToken cancellationToken = default)
    {
        Queries.Add(query);
        return Task.FromResult(ApiResult<DeviceListPage>.Success(new DeviceListPage(Devices, null)));
    }

    public Task<ApiResult<DeviceDto>> GetDeviceAsync(string id, CancellationToken cancellationToken = default) =>
        Task.FromResult(Devices.FirstOrDefault(d => d.Id == id) is { } device
            ? ApiResult<DeviceDto>.Success(device)
            : ApiResult<DeviceDto>.Failure(new ApiProblem(404, "Device not found", $"No device has the id '{id}'.")));

    public Task<ApiResult<MetricDto[]>> GetMetricsAsync(string id, CancellationToken cancellationToken = default) =>
        Task.FromResult(ApiResult<MetricDto[]>.Success([new MetricDto("temperature", JsonSerializer.SerializeToElement(21.5), DateTime.UtcNow)]));

    public Task<ApiResult<JsonObject>> GetShadowAsync(string id, CancellationToken cancellationToken = default) =>
        Task.FromResult(ShadowDocument is { } document
            ? ApiResult<JsonObject>.Success((JsonObject)document.DeepClone())
            : ApiResult<JsonObject>.Failure(new ApiProblem(404, "Shadow not found", null)));

    public Task<ApiResult<JsonObject>> UpdateDesiredAsync(string id, JsonObject desired, long? version, CancellationToken cancellationToken = default)
    {
        Updates.Add((desired, version));
        return Task.FromResult(UpdateAnswer ?? ApiResult<JsonObject>.Success(ShadowDocument!));
    }

    public Task<ApiResult<CommandResult>> InvokeCommandAsync(string id, string name, JsonNode? payload, int timeoutSeconds, CancellationToken cancellationToken = default) =>
        Task.FromResult(ApiResult<CommandResult>.Success(new CommandResult(200, new JsonObject { ["pong"] = 1 })));

    public Task<ApiResult<DeviceRegistered>> RegisterAsync(string id, string? name, CancellationToken cancellationToken = default) =>
        Task.FromResult(ApiResult<DeviceRegistered>.Success(new DeviceRegistered(id, name ?? id, new MqttCredentials("localhost", 1883, id, "secret"))));

    public Task<ApiResult<DeviceCredentials>> RotateCredentialsAsync(string id, CancellationToken cancellationToken = default) =>
        Task.FromResult(ApiResult<DeviceCredentials>.Success(new DeviceCredentials(id, new MqttCredentials("localhost", 1883, id, "secret"))));

    public Task<ApiResult<bool>> RevokeAsync(string id, CancellationToken cancellationToken = default) => Task.FromResult(ApiResult<bool>.Success(true));

    public Task<ApiResult<DeviceCredentials>> ReinstateAsync(string id, CancellationToken cancellationToken = default) => RotateCredentialsAsync(id, cancellationToken);
}

/// <summary>A live connection the test raises events on; it records what the page watched.</summary>
public sealed class FakeLiveConnection : ILiveConnectionFactory, ILiveDeviceEvents
{
    public List<IReadOnlyList<string>> Watched { get; } = [];

    public LiveState State { get; private set; } = LiveState.Connecting;

    public event Func<TelemetryEvent, Task>? Telemetry;
    public event Func<ShadowEvent, Task>? Shadow;
    public event Func<PresenceEvent, Task>? Presence;
    public event Func<LiveState, Task>? StateChanged;
    public event Func<Task>? Resumed;

    public Task<ILiveDeviceEvents> CreateAsync(CancellationToken cancellationToken) => Task.FromResult<ILiveDeviceEvents>(this);

    public void EnsureStarted(bool restart = false) => State = LiveState.Live;

    public Task WatchAsync(IEnumerable<string> deviceIds)
    {
        Watched.Add(deviceIds.ToList());
        return Task.CompletedTask;
    }

    public Task RaisePresenceAsync(PresenceEvent presence) => Presence?.Invoke(presence) ?? Task.CompletedTask;

    public Task RaiseTelemetryAsync(TelemetryEvent telemetry) => Telemetry?.Invoke(telemetry) ?? Task.CompletedTask;

    public Task RaiseShadowAsync(ShadowEvent shadow) => Shadow?.Invoke(shadow) ?? Task.CompletedTask;

    public Task RaiseStateAsync(LiveState state) => StateChanged?.Invoke(state) ?? Task.CompletedTask;

    public Task RaiseResumedAsync() => Resumed?.Invoke() ?? Task.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
