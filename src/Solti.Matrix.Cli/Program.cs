using Solti.Matrix.Cli;
using Solti.Matrix.Commands;

// `relay` hands this process over to solti-matrix-relay (the relay's HTTP server is not in this binary).
return await SoltiMatrixCommandLine.RunAsync(args, (_, _) => Task.FromResult(RelayExec.Exec(Environment.GetCommandLineArgs()[1..])));
