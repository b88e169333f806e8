using IotAspire.Api.Data;
using IotAspire.Api.Infrastructure;
using Microsoft.AspNetCore.Http;
using Npgsql;

namespace IotAspire.UnitTests.Api;

public class ApiHelpersTests
{
    [Fact]
    public void MqttPublicEndpoint_NoOptions_UsesBrokerAddressWithLoopbackAsLocalhost()
    {
        var endpoint = MqttPublicEndpoint.Resolve(new MqttPublicOptions(), "mqtt://127.0.0.1:31883");

        Assert.Equal(new MqttPublicEndpoint("localhost", 31883), endpoint);
    }

    [Fact]
    public void MqttPublicEndpoint_Options_OverrideBrokerAddress()
    {
        var options = new MqttPublicOptions { MqttPublicHost = "iot.example.com", MqttPublicPort = 8883 };

        Assert.Equal(new MqttPublicEndpoint("iot.example.com", 8883), MqttPublicEndpoint.Resolve(options, null));
    }

    [Fact]
    public void MqttPublicEndpoint_OnlyHostConfigured_TakesPortFromBroker()
    {
        var options = new MqttPublicOptions { MqttPublicHost = "iot.example.com" };

        Assert.Equal(new MqttPublicEndpoint("iot.example.com", 1884), MqttPublicEndpoint.Resolve(options, "mqtt://broker:1884"));
    }

    [Fact]
    public void MqttPublicEndpoint_NothingConfigured_CannotResolve()
    {
        Assert.False(MqttPublicEndpoint.TryResolve(new MqttPublicOptions(), null, out _));
    }

    [Theory]
    [InlineData("kitchen", "%kitchen%")]
    [InlineData("50%", @"%50\%%")]
    [InlineData("a_b", @"%a\_b%")]
    [InlineData(@"c:\x", @"%c:\\x%")]
    public void ContainsPattern_UserText_IsMatchedLiterally(string search, string pattern)
    {
        Assert.Equal(pattern, DeviceStore.ContainsPattern(search));
    }

    [Fact]
    public void Classify_BadRequest_KeepsItsStatus()
    {
        var (status, _, detail) = ApiExceptionHandler.Classify(new BadHttpRequestException("Failed to read the body.", 400));

        Assert.Equal(400, status);
        Assert.Equal("Failed to read the body.", detail);
    }

    [Fact]
    public void Classify_UnreachableDatabase_Is503()
    {
        Assert.Equal(503, ApiExceptionHandler.Classify(new NpgsqlException("down", new TimeoutException())).Status);
    }

    [Fact]
    public void Classify_AnythingElse_Is500WithoutInternals()
    {
        var (status, _, detail) = ApiExceptionHandler.Classify(new InvalidOperationException("secret internals"));

        Assert.Equal(500, status);
        Assert.DoesNotContain("secret", detail);
    }
}
