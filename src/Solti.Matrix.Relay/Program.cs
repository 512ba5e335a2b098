using Solti.Matrix.Commands;
using Solti.Matrix.Relay;

// The command line of solti-matrix; here `relay` serves (RelayCommandAction).
return await SoltiMatrixCommandLine.RunAsync(args, RelayCommandAction.RunAsync);
