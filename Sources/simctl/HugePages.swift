import Foundation

/// Asks glibc's malloc for transparent huge pages, and a fixed mmap threshold, in the commands
/// that simulate.
///
/// A simulated run touches its memory once: the 1,000-client mixed run keeps ~800,000 trace
/// events and grows to ~160 MB. With 4 KiB pages that is ~63,000 page faults, about a tenth of
/// the run's time on this kind of machine. Debian's kernels hand out transparent huge pages to
/// memory that asks for them (`madvise` mode), and glibc's malloc asks when the tunable
/// `glibc.malloc.hugetlb=1` is set. A tunable is read only when a process starts, so
/// `simctl run`, `sweep`, `shrink`, `diff` and `bench` re-execute themselves once with it
/// (measured: ~9,000 page faults instead of ~63,000).
///
/// The same re-execution fixes glibc's mmap threshold at 128 KiB (`glibc.malloc.mmap_threshold`).
/// By default the threshold is dynamic: once a large block (a growing table's old buffer) is
/// freed, later blocks up to that size come from the heap instead, and as tables double, the
/// heap keeps the holes their old buffers leave. Fixed, every block of 128 KiB or more is a
/// mapping of its own, given back when freed. Measured (peak RSS, 11-mixed's workload, two runs
/// each): 10,000 clients 129.6 and 136.6 MB → 129.1 and 125.0 MB, 30,000 clients 347.2 and
/// 346.3 MB → 319.7 and 326.2 MB: about 0.9 KiB less per simulated client (docs/performance.md).
///
/// It changes nothing but memory layout: a run's trace and results are the same. It is skipped
/// when `GLIBC_TUNABLES` is already set (the user's own tunables win, and the re-executed
/// process sees it set), when `SIMCTL_SMALL_PAGES` is set, and off Linux. If the re-execution
/// fails, the command runs as it is.
enum HugePages {
    /// The commands that run simulations; the others (servers, clients) keep the default.
    static let simulatingCommands: Set<String> = ["run", "sweep", "shrink", "diff", "bench"]

    /// The tunables the simulating commands run with: malloc's transparent huge pages, and a
    /// fixed mmap threshold of 128 KiB.
    static let tunables = "glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=131072"

    /// Re-executes the process with glibc's huge-page tunable when `command` simulates and the
    /// environment does not say otherwise; returns only when it does not re-execute.
    static func reexecuteIfUseful(command: String) {
        #if os(Linux)
        guard shouldReexecute(command: command, environment: ProcessInfo.processInfo.environment) else { return }
        setenv("GLIBC_TUNABLES", tunables, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // Still here: the exec failed. Run without it, and do not pass the tunable to children.
        unsetenv("GLIBC_TUNABLES")
        #endif
    }

    /// Whether `command`, started with `environment`, should re-execute itself with the tunable:
    /// it simulates, and neither `GLIBC_TUNABLES` nor `SIMCTL_SMALL_PAGES` is set.
    static func shouldReexecute(command: String, environment: [String: String]) -> Bool {
        simulatingCommands.contains(command)
            && environment["GLIBC_TUNABLES"] == nil && environment["SIMCTL_SMALL_PAGES"] == nil
    }
}
