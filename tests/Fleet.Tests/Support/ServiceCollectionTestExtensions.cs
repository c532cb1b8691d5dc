namespace Fleet.Tests.Support;

public static class ServiceCollectionTestExtensions
{
    /// <summary>Removes one registration of <typeparamref name="TService"/> whose implementation is <paramref name="implementation"/>.</summary>
    public static IServiceCollection RemoveAll<TService>(this IServiceCollection services, Type implementation)
    {
        foreach (var d in services.Where(d => d.ServiceType == typeof(TService) && d.ImplementationType == implementation).ToList())
            services.Remove(d);
        return services;
    }
}
