using IotAspire.Api.Apis;
using IotAspire.Api.Data;
using Microsoft.AspNetCore.Http.HttpResults;

namespace IotAspire.UnitTests.Api;

public sealed class DeviceListTests
{
    private static readonly DeviceRow Row = new(1, "dev.1-a", "Pump 7 (hall)", DateTime.UtcNow, new DateTime(2026, 11, 26, 10, 0, 0, DateTimeKind.Utc), null);

    [Theory]
    [InlineData(DeviceSort.Id)]
    [InlineData(DeviceSort.Name)]
    [InlineData(DeviceSort.LastSeen)]
    public void Encode_ThenDecode_GivesTheRowsKeyAndId(DeviceSort sort)
    {
        Assert.True(DeviceCursor.TryDecode(sort, DeviceCursor.Encode(sort, Row), out var cursor));

        Assert.Equal("dev.1-a", cursor!.Id);
        Assert.Equal(sort == DeviceSort.Name ? Row.Name : null, cursor.Name);
        Assert.Equal(sort == DeviceSort.LastSeen ? Row.LastSeen : null, cursor.LastSeen);
    }

    [Fact]
    public void Encode_LastSeenNever_DecodesToNoTime()
    {
        var never = Row with { LastSeen = null };

        Assert.True(DeviceCursor.TryDecode(DeviceSort.LastSeen, DeviceCursor.Encode(DeviceSort.LastSeen, never), out var cursor));
        Assert.Null(cursor!.LastSeen);
    }

    [Theory]
    [InlineData(DeviceSort.Name, "no-dot")]
    [InlineData(DeviceSort.Name, "!!!.dev-1")]
    [InlineData(DeviceSort.LastSeen, "yesterday.dev-1")]
    [InlineData(DeviceSort.LastSeen, "123.not/an/id")]
    [InlineData(DeviceSort.Id, "a/b")]
    public void TryDecode_NotACursorOfThatSort_Fails(DeviceSort sort, string text)
    {
        Assert.False(DeviceCursor.TryDecode(sort, text, out _));
    }

    [Theory]
    [InlineData("size", null)]
    [InlineData(null, "sleeping")]
    [InlineData("1", null)]
    public async Task ListDevices_UnknownSortOrStatus_ReturnsBadRequest(string? sort, string? status)
    {
        var response = await DevicesApi.ListDevices(ApiTestDoubles.DeviceStore(), null, 10, null, CancellationToken.None, sort: sort, status: status);

        var problem = Assert.IsType<ProblemHttpResult>(response.Result);
        Assert.Equal(400, problem.StatusCode);
    }
}
