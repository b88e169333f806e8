using IotAspire.Core.Mqtt;

namespace IotAspire.UnitTests.Core;

public sealed class DeviceAclTests
{
    [Fact]
    public void DeviceAcls_AllowExactlyTheDevicesOwnTopics()
    {
        var acls = DynamicSecurityClient.DeviceAcls("dev-7");

        Assert.All(acls, acl => Assert.Equal("devices/dev-7/#", acl.Topic));
        Assert.All(acls, acl => Assert.True(acl.Allow));
        Assert.Equal(["publishClientReceive", "publishClientSend", "subscribePattern"], acls.Select(a => a.AclType).Order());
    }
}
