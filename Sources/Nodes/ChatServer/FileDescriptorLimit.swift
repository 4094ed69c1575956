import Glibc

/// The process's limit on open file descriptors (`RLIMIT_NOFILE`), which bounds how many
/// connections a server or a load generator can hold.
public enum FileDescriptorLimit {
    /// Raises the soft limit to at least `wanted`, as far as the hard limit allows.
    /// - Returns: the soft limit in force afterwards.
    @discardableResult
    public static func raise(to wanted: Int) -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        if limit.rlim_cur < rlim_t(wanted) {
            limit.rlim_cur = min(rlim_t(wanted), limit.rlim_max)
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            _ = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        return Int(clamping: limit.rlim_cur)
    }
}
