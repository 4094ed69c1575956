import Glibc

/// The process's limit on open file descriptors (`RLIMIT_NOFILE`), which bounds how many
/// sockets it can hold.
package enum OpenFileLimit {
    /// The current soft limit.
    package static var current: Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        return Int(limit.rlim_cur)
    }

    /// Raises the soft limit to at least `wanted`, as far as the hard limit allows; never lowers it.
    /// - Returns: the soft limit in force afterwards.
    @discardableResult
    package static func raise(toAtLeast wanted: Int) -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        guard limit.rlim_cur < rlim_t(wanted) else { return Int(limit.rlim_cur) }
        limit.rlim_cur = min(rlim_t(wanted), limit.rlim_max)
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        return current
    }
}
