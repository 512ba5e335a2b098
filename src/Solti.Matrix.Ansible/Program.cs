using Solti.Matrix.Ansible.Modules;
using Solti.Matrix.Hosting;

// One binary, many modules: argv[0] names the module (AnsiballZ_<name> on the target, or the symlink's name); run as
// itself, the arguments name it. Output goes to fds 1 and 2 as raw bytes: no terminal initialisation can precede the JSON.
var invokedAs = Environment.GetCommandLineArgs()[0];
return await ModuleHost.RunAsync(invokedAs, args, ModuleCatalog.All, RawStandardStreams.Output(), RawStandardStreams.Error(), RawStandardStreams.Input);
