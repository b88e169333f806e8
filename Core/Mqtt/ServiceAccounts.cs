namespace IotAspire.Core.Mqtt;

/// <summary>The broker accounts of the services (created by the Migrations one-shot) and what each may do.</summary>
public static class ServiceAccounts
{
    /// <summary>The broker's dynamic-security administrator, created with the broker's configuration.</summary>
    public const string AdminUsername = "dynsec-admin";
    public const string WorkerUsername = "deviceworker";
    public const string ApiUsername = "api";
    public const string FleetClaimUsername = "fleet-claim";

    /// <summary>Accounts the broker lets in while its start gate is closed (<see cref="Protocol.BrokerGate"/>).</summary>
    public static readonly IReadOnlyList<string> GateExempt = [AdminUsername, WorkerUsername, ApiUsername];

    /// <summary>The worker consumes every device topic through shared subscriptions and answers devices.</summary>
    public static readonly IReadOnlyList<BrokerAcl> WorkerAcls =
    [
        BrokerAcl.Subscribe("#"),
        BrokerAcl.Subscribe("$share/#"),
        BrokerAcl.PublishReceive("#"),
        BrokerAcl.PublishSend("devices/#"),
        BrokerAcl.PublishSend(Protocol.ProvisioningTopics.ResponseFilter),
        BrokerAcl.PublishSend(Protocol.BrokerGate.Topic), // Lets devices in after a broker start, once subscribed.
    ];

    /// <summary>The Api sends shadow deltas and commands to devices and receives command answers.</summary>
    public static readonly IReadOnlyList<BrokerAcl> ApiAcls =
    [
        BrokerAcl.PublishSend("devices/+/shadow/#"),
        BrokerAcl.PublishSend("devices/+/commands/#"),
        BrokerAcl.Subscribe("devices/+/commands/response/+"),
        BrokerAcl.PublishReceive("devices/+/commands/response/+"),
    ];

    /// <summary>
    /// The fleet claim, shared by every device of a fleet before it has its own account: it may only ask for one.
    /// Any client id (a device connects with its own id), so no two claim sessions kick each other off.
    /// </summary>
    public static readonly IReadOnlyList<BrokerAcl> FleetClaimAcls =
    [
        BrokerAcl.PublishSend(Protocol.ProvisioningTopics.RequestFilter),
        BrokerAcl.Subscribe(Protocol.ProvisioningTopics.ResponseFilter),
        BrokerAcl.PublishReceive(Protocol.ProvisioningTopics.ResponseFilter),
    ];
}
