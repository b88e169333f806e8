using System.Diagnostics;
using System.Text;
using MQTTnet;
using MQTTnet.Packets;

namespace IotAspire.Core.Mqtt;

/// <summary>
/// The W3C trace context on MQTT 5 messages: the user properties <c>traceparent</c> and <c>tracestate</c>, written by
/// every publisher of ours and read by every receiver (the worker, the Api, the simulator's devices).
/// </summary>
public static class MqttTraceContext
{
    public const string TraceParentProperty = "traceparent";
    public const string TraceStateProperty = "tracestate";

    /// <summary>Adds the activity's trace context (none without an activity or with a non-W3C id).</summary>
    public static MqttApplicationMessageBuilder WithTraceContext(this MqttApplicationMessageBuilder builder, Activity? activity)
    {
        if (activity is { IdFormat: ActivityIdFormat.W3C, Id: { } traceParent })
        {
            builder.WithUserProperty(TraceParentProperty, Encoding.UTF8.GetBytes(traceParent));
            if (!string.IsNullOrEmpty(activity.TraceStateString))
            {
                builder.WithUserProperty(TraceStateProperty, Encoding.UTF8.GetBytes(activity.TraceStateString));
            }
        }

        return builder;
    }

    /// <summary>The sender's trace context from a received message, or default when it carries none (or MQTT 3.1.1).</summary>
    public static ActivityContext ParentOf(MqttApplicationMessage message) =>
        Parse(Property(message, TraceParentProperty), Property(message, TraceStateProperty));

    /// <summary>The trace context from the two property values, or default when <paramref name="traceParent"/> is missing or malformed.</summary>
    public static ActivityContext Parse(string? traceParent, string? traceState) =>
        ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var context) ? context : default;

    private static string? Property(MqttApplicationMessage message, string name)
    {
        if (message.UserProperties is not { Count: > 0 } properties)
        {
            return null;
        }

        foreach (var property in properties)
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return property.ReadValueAsString();
            }
        }

        return null;
    }
}
