using IotAspire.Bench;

return await BenchCommands.RunAsync(args);
