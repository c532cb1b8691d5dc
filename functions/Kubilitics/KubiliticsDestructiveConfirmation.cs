using Fleet.Core.Platform.Errors;

namespace Fleet.Functions.Kubilitics;

/// <summary>The Kubilitics seed requires <c>X-Confirm-Destructive</c> on every DELETE; without it nothing is deleted.</summary>
public static class KubiliticsDestructiveConfirmation
{
    public const string Header = "X-Confirm-Destructive";

    public static RouteGroupBuilder RequireDestructiveConfirmation(this RouteGroupBuilder group) =>
        group.AddEndpointFilter(async (context, next) =>
        {
            var request = context.HttpContext.Request;
            if (HttpMethods.IsDelete(request.Method) && !IsConfirmed(request.Headers[Header].ToString()))
                throw FleetException.Validation(Header, $"DELETE requires the header {Header}: true");
            return await next(context);
        });

    public static bool IsConfirmed(string value) =>
        value.Length > 0 && !value.Equals("false", StringComparison.OrdinalIgnoreCase) && value != "0";
}
