/* Binds the libm functions whose default symbol version is newer than GLIBC_2.28 to their original versions, so the
 * Native AOT binaries run on glibc 2.28 (Debian 10, RHEL 8) and later. glibc 2.29 gave pow, log, exp, exp2 and log2 new
 * versions that only drop the SVID error handling (errno and results are the same in IEEE mode); the old versions stay
 * in every later libm.so.6. Linked with -Wl,--wrap=<name> (src/Native/Solti.Native.targets): every reference to
 * <name> in the runtime and the compiled code goes to __wrap_<name>, which calls the old version. Each wrapper sits in
 * its own section, so --gc-sections drops the ones nothing calls (and their imports). */

#if defined(__x86_64__)
#define SOLTI_GLIBC_BASE "GLIBC_2.2.5"
#elif defined(__aarch64__)
#define SOLTI_GLIBC_BASE "GLIBC_2.17"
#else
#error "glibc-compat.c: add the base glibc symbol version of this architecture"
#endif

#define SOLTI_COMPAT1(name)                                              \
    double solti_compat_##name(double x);                                \
    __asm__(".symver solti_compat_" #name "," #name "@" SOLTI_GLIBC_BASE); \
    double __wrap_##name(double x);                                      \
    double __wrap_##name(double x) { return solti_compat_##name(x); }

#define SOLTI_COMPAT2(name)                                              \
    double solti_compat_##name(double x, double y);                      \
    __asm__(".symver solti_compat_" #name "," #name "@" SOLTI_GLIBC_BASE); \
    double __wrap_##name(double x, double y);                            \
    double __wrap_##name(double x, double y) { return solti_compat_##name(x, y); }

SOLTI_COMPAT2(pow)
SOLTI_COMPAT1(log)
SOLTI_COMPAT1(exp)
SOLTI_COMPAT1(exp2)
SOLTI_COMPAT1(log2)
