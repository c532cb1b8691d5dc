// Composition only: the platform and the five families, as FleetHost wires them.
using Fleet.Functions;

var app = FleetHost.Build(FleetHost.CreateBuilder(args));
app.Run();

/// <summary>Entry point, visible to tests.</summary>
public partial class Program;
