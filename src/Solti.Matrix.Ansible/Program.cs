using Solti.Matrix.Ansible.Host;
using Solti.Matrix.Ansible.Modules;

// One binary, many modules: argv[0] names the module (AnsiballZ_<name> on the target, or the symlink's name).
var invokedAs = Environment.GetCommandLineArgs()[0];
return await ModuleHost.RunAsync(invokedAs, args, ModuleCatalog.All, Console.Out, Console.Error);
