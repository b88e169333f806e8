using System.Text;
using System.Text.Json.Nodes;
using IotAspire.Dashboard.ApiClient;
using IotAspire.Dashboard.Auth;
using IotAspire.Dashboard.Charts;
using IotAspire.Dashboard.Components.Pages.Devices;
using IotAspire.Dashboard.Components.Pages.Fleet;

namespace IotAspire.UnitTests.Dashboard;

public sealed class ChartPlanTests
{
    [Fact]
    public void For_FifteenMinutesOnAThousandPixels_IsRawWithoutFallback()
    {
        var plan = ChartPlan.For(TimeSpan.FromMinutes(15), 1000);

        Assert.Equal(new ChartPlan("raw", 2000, null), plan);
    }

    [Fact]
    public void For_ThirtyDaysOnAThousandPixels_IsHourlyBucketsWithinTwoPerPixel()
    {
        var plan = ChartPlan.For(TimeSpan.FromDays(30), 1000);

        Assert.Equal("1h", plan.Interval);
        Assert.True(30 * 24 + 1 <= 2 * 1000);
    }

    [Fact]
    public void For_ThirtyDaysOnAPhone_IsCoarserThanOnALaptop()
    {
        var plan = ChartPlan.For(TimeSpan.FromDays(30), 320);

        Assert.Equal("6h", plan.Interval); // 721 hourly buckets exceed 640; 121 six-hour ones fit.
    }

    [Theory]
    [InlineData(60, 1000, "1m")]
    [InlineData(24 * 60, 1000, "1m")]
    [InlineData(7 * 24 * 60, 1000, "15m")]
    [InlineData(365 * 24 * 60, 1000, "6h")]
    [InlineData(3 * 365 * 24 * 60, 1000, "1d")]
    public void FinestBucketsWithin_Range_FitsTwoPerPixel(int minutes, int width, string expected)
    {
        Assert.Equal(expected, ChartPlan.FinestBucketsWithin(TimeSpan.FromMinutes(minutes), width * 2));
    }

    [Fact]
    public void For_TinyWidth_StillAsksForTheMinimumPoints()
    {
        Assert.Equal(ChartPlan.MinPoints, ChartPlan.For(TimeSpan.FromMinutes(1), 10).RawLimit);
    }
}

public sealed class DesiredPatchTests
{
    [Fact]
    public void Between_KeyRemoved_SendsNullToDeleteIt()
    {
        var patch = DesiredPatch.Between(Obj("""{"led":"on","interval":5}"""), Obj("""{"led":"on"}"""));

        Assert.Equal("""{"interval":null}""", patch.ToJsonString());
    }

    [Fact]
    public void Between_NestedLeafChanged_SendsOnlyThatLeaf()
    {
        var patch = DesiredPatch.Between(Obj("""{"a":{"b":1,"c":2}}"""), Obj("""{"a":{"b":1,"c":3}}"""));

        Assert.Equal("""{"a":{"c":3}}""", patch.ToJsonString());
    }

    [Fact]
    public void Between_ArrayChanged_ReplacesItWhole()
    {
        var patch = DesiredPatch.Between(Obj("""{"list":[1,2]}"""), Obj("""{"list":[1,2,3]}"""));

        Assert.Equal("""{"list":[1,2,3]}""", patch.ToJsonString());
    }

    [Fact]
    public void Between_NoDesiredBefore_SendsEverything()
    {
        Assert.Equal("""{"led":"on"}""", DesiredPatch.Between(null, Obj("""{"led":"on"}""")).ToJsonString());
    }

    private static JsonObject Obj(string json) => JsonNode.Parse(json)!.AsObject();
}

public sealed class DashboardAuthTests
{
    [Fact]
    public void Read_KeycloakAccessToken_ReturnsRealmRoles()
    {
        var token = Jwt("""{"sub":"u1","iat":1764151200,"exp":1764151500,"realm_access":{"roles":["iot-operator","offline_access"]}}""");

        Assert.Equal(["iot-operator", "offline_access"], AccessTokenRoles.Read(token, "realm_access.roles"));
    }

    [Fact]
    public void Read_NotAJwt_ReturnsNoRoles()
    {
        Assert.Empty(AccessTokenRoles.Read("opaque-token", "realm_access.roles"));
    }

    [Fact]
    public void IsDue_FiveMinuteToken_RenewsInItsLastMinute()
    {
        var obtained = DateTimeOffset.UnixEpoch;
        var tokens = new TokenSet("a", "r", obtained.AddMinutes(5), obtained);

        Assert.False(tokens.IsDue(obtained.AddMinutes(3.9), TimeSpan.FromMinutes(1)));
        Assert.True(tokens.IsDue(obtained.AddMinutes(4.1), TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public void IsDue_ThirtySecondToken_RenewsInItsLastThirdNotOnEveryCall()
    {
        var obtained = DateTimeOffset.UnixEpoch;
        var tokens = new TokenSet("a", "r", obtained.AddSeconds(30), obtained);

        Assert.False(tokens.IsDue(obtained.AddSeconds(15), TimeSpan.FromMinutes(1)));
        Assert.True(tokens.IsDue(obtained.AddSeconds(21), TimeSpan.FromMinutes(1)));
    }

    [Theory]
    [InlineData("/devices/x", "/devices/x")]
    [InlineData("//evil.example", "/")]
    [InlineData("/\\evil.example", "/")]
    [InlineData("https://evil.example/", "/")]
    [InlineData(null, "/")]
    public void LocalPath_ReturnUrl_StaysOnThisSite(string? returnUrl, string expected)
    {
        Assert.Equal(expected, AuthenticationExtensions.LocalPath(returnUrl));
    }

    private static string Jwt(string payload) =>
        $"{B64("""{"alg":"none","typ":"JWT"}""")}.{B64(payload)}.";

    private static string B64(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

public sealed class DashboardApiClientTests
{
    [Fact]
    public void ListQuery_SearchStatusSortAndCursor_AreAllPassed()
    {
        var query = DeviceApiClient.ListQuery(new DeviceQuery(" pump 7 ", DeviceStatusFilter.Offline, DeviceSort.LastSeen, "abc.dev-1", 50));

        Assert.Equal("?limit=50&latest=true&search=pump%207&status=offline&sort=lastSeen&after=abc.dev-1", query);
    }

    [Fact]
    public void Telemetry_Credentials_GiveALineThatPublishesAsTheDevice()
    {
        var line = MosquittoLines.Telemetry(new MqttCredentials("localhost", 1883, "dev-1", "pA_ss-word"));

        Assert.Equal(
            "mosquitto_pub -h localhost -p 1883 -u dev-1 -P 'pA_ss-word' -i dev-1 -q 1 -t devices/dev-1/telemetry -m '{\"temperature\":21.5,\"humidity\":40}'",
            line);
    }
}
