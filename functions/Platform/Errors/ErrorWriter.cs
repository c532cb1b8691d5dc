using System.Text.Json;
using Fleet.Functions.Platform.Correlation;
using Fleet.Functions.Platform.Http;

namespace Fleet.Functions.Platform.Errors;

/// <summary>Writes a <see cref="FleetError"/> in the envelope of the family the request belongs to.</summary>
public static class ErrorWriter
{
    public static async Task WriteAsync(HttpContext context, FleetError error)
    {
        var settings = context.RequestServices.GetRequiredService<HttpSettings>();
        var family = FleetFamilies.FromPath(context.Request.Path, settings.RoutePrefix);
        var requestId = RequestCorrelation.RequestId(context);
        context.Response.StatusCode = error.StatusCode;
        if (error.RetryAfterSeconds is { } retry) context.Response.Headers.RetryAfter = retry.ToString();
        context.Response.ContentType = "application/json; charset=utf-8";
        var body = ErrorEnvelopes.Body(family, error, requestId);
        await context.Response.WriteAsync(body.ToJsonString(JsonOptions));
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = false };
}
