namespace IotAspire.Core.Mqtt;

/// <summary>The broker accounts of the services (created by the Migrations one-shot) and what each may do.</summary>
public static class ServiceAccounts
{
    public const string WorkerUsername = "deviceworker";
    public const string ApiUsername = "api";

    /// <summary>The worker consumes every device topic through shared subscriptions and answers devices.</summary>
    public static readonly IReadOnlyList<BrokerAcl> WorkerAcls =
    [
        BrokerAcl.Subscribe("#"),
        BrokerAcl.Subscribe("$share/#"),
        BrokerAcl.PublishReceive("#"),
        BrokerAcl.PublishSend("devices/#"),
    ];

    /// <summary>The Api sends shadow deltas and commands to devices and receives command answers.</summary>
    public static readonly IReadOnlyList<BrokerAcl> ApiAcls =
    [
        BrokerAcl.PublishSend("devices/+/shadow/#"),
        BrokerAcl.PublishSend("devices/+/commands/#"),
        BrokerAcl.Subscribe("devices/+/commands/response/+"),
        BrokerAcl.PublishReceive("devices/+/commands/response/+"),
    ];
}
