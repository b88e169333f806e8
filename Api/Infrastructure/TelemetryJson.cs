using System.Text.Json;
using System.Text.Json.Serialization;
using IotAspire.Api.Model;
using IotAspire.Core.Telemetry;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace IotAspire.Api.Infrastructure;

/// <summary>
/// Writes a <see cref="TelemetryValue"/> as the bare JSON number, boolean or string the device sent, without boxing
/// (a raw page holds up to 10,000 of them).
/// </summary>
public sealed class TelemetryValueJsonConverter : JsonConverter<TelemetryValue>
{
    public override TelemetryValue Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.Number => TelemetryValue.FromNumber(reader.GetDouble()),
        JsonTokenType.True or JsonTokenType.False => TelemetryValue.FromBoolean(reader.GetBoolean()),
        JsonTokenType.String => TelemetryValue.FromText(reader.GetString()!),
        _ => throw new JsonException($"A telemetry value is a number, a boolean or a string, not {reader.TokenType}."),
    };

    public override void Write(Utf8JsonWriter writer, TelemetryValue value, JsonSerializerOptions options)
    {
        switch (value.Kind)
        {
            case TelemetryValueKind.Number:
                writer.WriteNumberValue(value.Number);
                break;
            case TelemetryValueKind.Boolean:
                writer.WriteBooleanValue(value.Boolean);
                break;
            default:
                writer.WriteStringValue(value.Text);
                break;
        }
    }
}

/// <summary>Makes the OpenAPI document say what the telemetry answer really contains.</summary>
public sealed class TelemetrySchemaTransformer : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        // A value is what the converter above writes, not the struct's properties.
        if (context.JsonTypeInfo.Type == typeof(TelemetryValue))
        {
            schema.Type = JsonSchemaType.Number | JsonSchemaType.Boolean | JsonSchemaType.String;
            schema.Properties?.Clear();
            schema.Description = "The value as the device sent it: a number, a boolean or a string.";
        }

        // A series carries no "$type": the response's "resolution" says which shape all its series have.
        if (context.JsonTypeInfo.Type == typeof(TelemetrySeries))
        {
            schema.Discriminator = null;
            schema.Description = "A RawSeries (points, next) when the resolution is raw, else a BucketSeries (buckets).";
        }

        return Task.CompletedTask;
    }
}
