import Foundation

/// Asks glibc's malloc for transparent huge pages in the commands that simulate.
///
/// A simulated run touches its memory once: the 1,000-client mixed run keeps ~800,000 trace
/// events and grows to ~160 MB. With 4 KiB pages that is ~63,000 page faults, about a tenth of
/// the run's time on this kind of machine. Debian's kernels hand out transparent huge pages to
/// memory that asks for them (`madvise` mode), and glibc's malloc asks when the tunable
/// `glibc.malloc.hugetlb=1` is set. A tunable is read only when a process starts, so
/// `simctl run`, `sweep`, `shrink`, `diff` and `bench` re-execute themselves once with it
/// (measured: ~9,000 page faults instead of ~63,000).
///
/// It changes nothing but memory layout: a run's trace and results are the same. It is skipped
/// when `GLIBC_TUNABLES` is already set (the user's own tunables win, and the re-executed
/// process sees it set), when `SIMCTL_SMALL_PAGES` is set, and off Linux. If the re-execution
/// fails, the command runs as it is.
enum HugePages {
    /// The commands that run simulations; the others (servers, clients) keep the default.
    static let simulatingCommands: Set<String> = ["run", "sweep", "shrink", "diff", "bench"]

    /// Re-executes the process with glibc's huge-page tunable when `command` simulates and the
    /// environment does not say otherwise; returns only when it does not re-execute.
    static func reexecuteIfUseful(command: String) {
        #if os(Linux)
        guard shouldReexecute(command: command, environment: ProcessInfo.processInfo.environment) else { return }
        setenv("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1", 1)
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
