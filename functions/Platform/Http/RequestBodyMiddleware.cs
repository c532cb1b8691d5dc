using Fleet.Core.Platform.Errors;

namespace Fleet.Functions.Platform.Http;

/// <summary>
/// Enforces the body size limit (413 before anything is read when Content-Length says so, and a
/// read limit for chunked bodies), and treats a JSON body sent as a form (curl's <c>-d</c> without
/// a Content-Type, as the CloudCore seed's examples do) as the JSON it is.
/// </summary>
public sealed class RequestBodyMiddleware(RequestDelegate next, HttpSettings settings)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.ContentLength > settings.MaxRequestBodySize)
            throw new FleetException(FleetErrorKind.PayloadTooLarge,
                $"Request body too large: the limit is {settings.MaxRequestBodySize} bytes", "body");

        var sizeFeature = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false }) sizeFeature.MaxRequestBodySize = settings.MaxRequestBodySize;

        if (IsFormOrMissing(request.ContentType) && (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0))
        {
            request.EnableBuffering();
            var first = await FirstNonWhitespaceAsync(request.Body, context.RequestAborted);
            request.Body.Position = 0;
            if (first is '{' or '[') request.ContentType = "application/json";
        }
        await next(context);
    }

    private static bool IsFormOrMissing(string? contentType) =>
        string.IsNullOrEmpty(contentType) ||
        contentType.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase);

    private static async Task<char?> FirstNonWhitespaceAsync(Stream body, CancellationToken ct)
    {
        var buffer = new byte[64];
        int n;
        while ((n = await body.ReadAsync(buffer, ct)) > 0)
            for (var i = 0; i < n; i++)
                if (!char.IsWhiteSpace((char)buffer[i])) return (char)buffer[i];
        return null;
    }
}
