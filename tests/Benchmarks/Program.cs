// The benchmark runner's entry point, so that Functions.sln builds on this branch; the benchmarks
// themselves live on the branch that owns this project, whose Program.cs replaces this one on merge.
Console.Error.WriteLine("No benchmarks on this branch.");
return 0;
