using System.Buffers.Text;
using System.ComponentModel.DataAnnotations;
using IotAspire.Api.Apis;
using IotAspire.Api.Model;
using IotAspire.Core.Protocol;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace IotAspire.UnitTests.Api;

public class DevicesApiTests
{
    public static TheoryData<string?> InvalidIds => new()
    {
        null, "", "bad id", "a/b", "dev+1", "dev#", "dév", new string('a', DeviceId.MaxLength + 1),
    };

    [Theory]
    [MemberData(nameof(InvalidIds))]
    public async Task CreateDevice_InvalidId_ReturnsBadRequestNamingTheRuleWithoutTouchingTheBroker(string? id)
    {
        var broker = new RecordingBrokerAccounts();

        var response = await DevicesApi.CreateDevice(
            new CreateDeviceRequest { Id = id }, ApiTestDoubles.DeviceServices(broker), CancellationToken.None);

        var badRequest = Assert.IsType<ProblemHttpResult>(response.Result);
        Assert.Equal(400, badRequest.ProblemDetails.Status);
        Assert.Contains(DeviceId.Rule, badRequest.ProblemDetails.Detail);
        Assert.Empty(broker.Calls);
    }

    [Fact]
    public async Task CreateDevice_NameLongerThan200_ReturnsBadRequest()
    {
        var broker = new RecordingBrokerAccounts();
        var request = new CreateDeviceRequest { Id = "dev-1", Name = new string('n', DeviceRules.MaxNameLength + 1) };

        var response = await DevicesApi.CreateDevice(request, ApiTestDoubles.DeviceServices(broker), CancellationToken.None);

        var badRequest = Assert.IsType<ProblemHttpResult>(response.Result);
        Assert.Equal("Invalid device name", badRequest.ProblemDetails.Title);
        Assert.Empty(broker.Calls);
    }

    [Theory]
    [InlineData(200, true)]
    [InlineData(201, false)]
    public void CreateDeviceRequest_NameLength_IsValidatedUpTo200(int length, bool valid)
    {
        var request = new CreateDeviceRequest { Id = "dev-1", Name = new string('n', length) };

        var isValid = Validator.TryValidateObject(request, new ValidationContext(request), null, validateAllProperties: true);

        Assert.Equal(valid, isValid);
    }

    [Theory]
    [MemberData(nameof(InvalidIds))]
    public async Task RotateCredentials_InvalidId_ReturnsBadRequest(string? id)
    {
        var broker = new RecordingBrokerAccounts();

        var response = await DevicesApi.RotateCredentials(id!, ApiTestDoubles.DeviceServices(broker), CancellationToken.None);

        Assert.IsType<ProblemHttpResult>(response.Result);
        Assert.Empty(broker.Calls);
    }

    [Theory]
    [MemberData(nameof(InvalidIds))]
    public async Task GetDevice_InvalidId_ReturnsBadRequest(string? id)
    {
        var response = await DevicesApi.GetDevice(id!, ApiTestDoubles.DeviceStore(), CancellationToken.None);

        var badRequest = Assert.IsType<ProblemHttpResult>(response.Result);
        Assert.Contains(DeviceId.Rule, badRequest.ProblemDetails.Detail);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(DeviceRules.MaxPageSize + 1)]
    public async Task ListDevices_LimitOutOfRange_ReturnsBadRequest(int limit)
    {
        var response = await DevicesApi.ListDevices(ApiTestDoubles.DeviceStore(), null, limit, null, CancellationToken.None);

        var badRequest = Assert.IsType<ProblemHttpResult>(response.Result);
        Assert.Equal("Invalid limit", badRequest.ProblemDetails.Title);
    }

    [Fact]
    public async Task ListDevices_AfterIsNotADeviceId_ReturnsBadRequest()
    {
        var response = await DevicesApi.ListDevices(ApiTestDoubles.DeviceStore(), "a/b", 10, null, CancellationToken.None);

        var badRequest = Assert.IsType<ProblemHttpResult>(response.Result);
        Assert.Equal("Invalid cursor", badRequest.ProblemDetails.Title);
    }

    [Fact]
    public void NewPassword_Always_Is32FreshRandomBytesInBase64Url()
    {
        var first = DevicesApi.NewPassword();
        var second = DevicesApi.NewPassword();

        Assert.Equal(32, Base64Url.DecodeFromChars(first).Length);
        Assert.True(Base64Url.IsValid(first));
        Assert.DoesNotContain('=', first);
        Assert.NotEqual(first, second);
    }
}
