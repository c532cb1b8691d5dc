using System.Text;
using System.Text.Json.Nodes;
using Fleet.KubeEmulator.Store;
using Microsoft.AspNetCore.Http;

namespace Fleet.KubeEmulator.Api;

public static class HttpJson
{
    public static async Task Write(HttpContext http, int code, JsonNode body, string contentType = "application/json")
    {
        http.Response.StatusCode = code;
        http.Response.ContentType = contentType;
        await http.Response.WriteAsync(Json.Serialize(body), http.RequestAborted);
    }

    public static Task WriteError(HttpContext http, ApiException e) => Write(http, e.Code, e.ToStatus());

    public static async Task<JsonNode> ReadBody(HttpContext http)
    {
        using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(http.RequestAborted);
        if (string.IsNullOrWhiteSpace(text)) throw ApiException.BadRequest("the request body is empty");
        try
        {
            return JsonNode.Parse(text) ?? throw ApiException.BadRequest("the request body is null");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw ApiException.BadRequest($"the request body is not valid JSON: {e.Message}");
        }
    }

    public static async Task<JsonObject> ReadObject(HttpContext http) =>
        await ReadBody(http) as JsonObject ?? throw ApiException.BadRequest("the request body is not a JSON object");
}
