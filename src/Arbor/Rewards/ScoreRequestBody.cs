using System.Text.Json;
using System.Text.Json.Serialization;

namespace Arbor.Rewards;

/// <summary>
/// A <see cref="ScoreRequest"/> as the server reads it: each image's base64 is decoded to its bytes straight from
/// the UTF-8 body, never held as a .NET string, so a body costs its UTF-8 buffer and the images' bytes (~1.75x its
/// size) rather than also a UTF-16 copy of every image (2x more).
/// </summary>
internal sealed record ScoreRequestBody(
    [property: JsonPropertyName("images"), JsonConverter(typeof(Base64ImagesConverter))] byte[]?[]? Images,
    [property: JsonPropertyName("prompts")] string[]? Prompts,
    [property: JsonPropertyName("metadata")] Dictionary<string, string>[]? Metadata);

/// <summary>An entry of "images" that is a string but not base64: the client's mistake, named by its index.</summary>
internal sealed class InvalidBase64ImageException(int index, int length)
    : Exception($"images[{index}] is not valid base64 ({length} characters)")
{
    public int Index { get; } = index;
}

/// <summary>
/// Reads "images", an array of base64 strings or nulls (a null is refused later, by index), into bytes.
/// Anything else is a <see cref="JsonException"/>, which names the path.
/// </summary>
internal sealed class Base64ImagesConverter : JsonConverter<byte[]?[]>
{
    public override byte[]?[] Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException();
        var images = new List<byte[]?>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.Null)
            {
                images.Add(null);
                continue;
            }

            if (reader.TokenType != JsonTokenType.String)
                throw new JsonException($"images[{images.Count}] is a JSON {reader.TokenType}, not a base64 string");
            if (!reader.TryGetBytesFromBase64(out var bytes))
            {
                throw new InvalidBase64ImageException(images.Count,
                    reader.HasValueSequence ? (int)reader.ValueSequence.Length : reader.ValueSpan.Length);
            }
            images.Add(bytes);
        }

        return [.. images];
    }

    public override void Write(Utf8JsonWriter writer, byte[]?[] value, JsonSerializerOptions options) =>
        throw new NotSupportedException("the server only reads score requests");
}
