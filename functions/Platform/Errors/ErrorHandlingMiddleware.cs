using Fleet.Core.Platform.Errors;
using Fleet.Functions.Platform.Correlation;

namespace Fleet.Functions.Platform.Errors;

/// <summary>
/// The one place errors become responses: domain errors and binding failures get the family's
/// envelope with their 4xx/5xx; anything unexpected is logged with the request id and answered
/// with a 500 that carries the id and no stack trace. Bare error statuses (no route, auth) get the
/// envelope too.
/// </summary>
public sealed class ErrorHandlingMiddleware(RequestDelegate next, ILogger<ErrorHandlingMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
            if (!context.Response.HasStarted && context.Response.StatusCode >= 400 &&
                context.Response.ContentLength is null && string.IsNullOrEmpty(context.Response.ContentType))
                await ErrorWriter.WriteAsync(context, FleetError.ForStatus(context.Response.StatusCode));
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nobody is left to answer.
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            var error = Classify(e, context);
            context.Response.Clear();
            await ErrorWriter.WriteAsync(context, error);
        }
        catch (Exception e)
        {
            // Headers are already out (a stream): all we can do is record it and end the response.
            logger.LogError(e, "Request {RequestId} failed after the response started", RequestCorrelation.RequestId(context));
            throw;
        }
    }

    private static readonly HashSet<string> StorageRefusesInput =
        ["PropertyValueTooLarge", "EntityTooLarge", "KeyValueTooLarge", "InvalidInput", "OutOfRangeInput", "InvalidValueType", "PropertyNameTooLong"];

    private FleetError Classify(Exception e, HttpContext context)
    {
        switch (e)
        {
            case FleetException f:
                if (f.Kind == FleetErrorKind.Internal)
                    logger.LogError(f, "Request {RequestId} failed: {Message}", RequestCorrelation.RequestId(context), f.Message);
                return FleetError.From(f);
            case BadHttpRequestException b:
                return BadRequestTranslator.Translate(b);
            case System.Text.Json.JsonException j:
                return BadRequestTranslator.FromJson(j);
            case Azure.RequestFailedException r when r.Status == 400 && StorageRefusesInput.Contains(r.ErrorCode ?? ""):
                // A value storage cannot hold that no edge rule caught: the input's fault, not the server's.
                logger.LogWarning("Request {RequestId}: storage refused a value ({Code})", RequestCorrelation.RequestId(context), r.ErrorCode);
                return new FleetError(FleetErrorKind.Validation, "A value in the request is too large or has characters that cannot be stored");
            case TimeoutException:
                logger.LogWarning(e, "Request {RequestId} timed out upstream", RequestCorrelation.RequestId(context));
                return new FleetError(FleetErrorKind.UpstreamTimeout, "The upstream service did not answer in time");
            default:
                logger.LogError(e, "Unhandled exception in request {RequestId} {Method} {Path}",
                    RequestCorrelation.RequestId(context), context.Request.Method, context.Request.Path);
                return new FleetError(FleetErrorKind.Internal, "Internal server error");
        }
    }
}
