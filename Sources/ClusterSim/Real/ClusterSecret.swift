import Glibc
import NetModel
import Nodes

/// The one secret of a real cluster, from which its two keys are derived separately: the token
/// secret (HS256 of login tokens) and the node key (the TCP transport's node authentication).
/// It comes from outside — a file (`--secret-file`), the `CLUSTERSIM_SECRET` environment
/// variable, or generated per cluster — and never from the command line. See docs/security.md.
package struct ClusterSecret: Sendable, Equatable {
    /// The secret's bytes (what the file or the variable holds, trailing whitespace trimmed).
    package let bytes: [UInt8]

    /// The environment variable a secret may be given in (and `cluster up` hands its children).
    package static let environmentVariable = "CLUSTERSIM_SECRET"
    /// The fewest bytes a secret may have.
    package static let minimumBytes = 16
    /// The built-in defaults, refused outside the simulator unless asked for (`--insecure`).
    static let builtInTexts: Set<String> = ["k2svc", "k2svc-secret"]

    /// The built-in secret (`k2svc-secret`): the simulator's token secret. Anyone can sign tokens
    /// with it and any process can join a cluster that uses it; only for `--insecure` runs and tests.
    package static let insecureDefault = ClusterSecret(unchecked: Array("k2svc-secret".utf8))

    private init(unchecked bytes: [UInt8]) { self.bytes = bytes }

    /// A secret from its text.
    /// - Throws: `ClusterSecretError` when it is shorter than `minimumBytes` or a built-in default
    ///   (unless `insecure`).
    package init(text: String, insecure: Bool = false) throws(ClusterSecretError) {
        var trimmed = Substring(text)
        while let last = trimmed.last, last.isWhitespace { trimmed = trimmed.dropLast() }
        if Self.builtInTexts.contains(String(trimmed)) {
            guard insecure else { throw .builtInDefault }
            self = .insecureDefault
            return
        }
        guard trimmed.utf8.count >= Self.minimumBytes || insecure else { throw .tooShort(trimmed.utf8.count) }
        guard !trimmed.isEmpty else { throw .tooShort(0) }
        bytes = Array(trimmed.utf8)
    }

    /// A fresh secret: 32 bytes from the operating system's randomness, as 64 hex digits.
    package static func generate() -> ClusterSecret {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for _ in 0..<32 {
            let b = UInt8.random(in: 0...255, using: &generator)
            text.append(digits[Int(b >> 4)])
            text.append(digits[Int(b & 15)])
        }
        return ClusterSecret(unchecked: text)
    }

    /// The secret's text, for handing it to a child process's environment.
    package var text: String { String(decoding: bytes, as: UTF8.self) }

    /// Whether this is the built-in default (insecure).
    package var isBuiltInDefault: Bool { self == .insecureDefault }

    /// The HS256 secret of login tokens: derived from the secret (the built-in default keeps the
    /// simulator's `k2svc-secret` itself).
    package var tokenSecret: [UInt8] {
        isBuiltInDefault ? bytes : HMAC.sha256(key: bytes, message: Array("clustersim token-secret v1".utf8))
    }

    /// The TCP transport's node key, derived separately from the token secret.
    package var nodeKey: [UInt8] { HMAC.sha256(key: bytes, message: Array("clustersim node-auth v1".utf8)) }

    /// The TCP options' authentication with this secret's node key.
    package var authentication: TCPAuthentication { TCPAuthentication(nodeKey: nodeKey) }

    /// The secret a command runs with: `--secret-file` first, then the environment variable, else
    /// the built-in default when `insecure`.
    /// - Parameters:
    ///   - file: the `--secret-file` path, if given.
    ///   - environment: the process's environment.
    ///   - insecure: whether built-in defaults (and short secrets) are accepted.
    /// - Throws: `ClusterSecretError` saying what is wrong and what to do.
    package static func resolve(file: String?, environment: [String: String], insecure: Bool) throws(ClusterSecretError) -> ClusterSecret {
        if let file { return try load(file: file, insecure: insecure) }
        if let text = environment[environmentVariable] { return try ClusterSecret(text: text, insecure: insecure) }
        guard insecure else { throw .missing }
        return .insecureDefault
    }

    /// Reads a secret file: it must be a regular file readable by its owner only (mode 0600 or 0400).
    package static func load(file path: String, insecure: Bool = false) throws(ClusterSecretError) -> ClusterSecret {
        var info = stat()
        guard stat(path, &info) == 0 else { throw .unreadable(path, String(cString: strerror(errno))) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw .unreadable(path, "not a regular file") }
        guard info.st_mode & 0o077 == 0 || insecure else { throw .tooOpen(path, Int(info.st_mode & 0o777)) }
        guard let handle = fopen(path, "r") else { throw .unreadable(path, String(cString: strerror(errno))) }
        defer { fclose(handle) }
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&chunk, 1, chunk.count, handle)
            if n == 0 { break }
            data.append(contentsOf: chunk[..<n])
            if data.count > 1 << 16 { throw .unreadable(path, "larger than 64 KiB") }
        }
        return try ClusterSecret(text: String(decoding: data, as: UTF8.self), insecure: insecure)
    }
}

/// Why a cluster secret was refused.
package enum ClusterSecretError: Error, Equatable, CustomStringConvertible, Sendable {
    /// No secret was given.
    case missing
    /// The secret is a built-in default (`k2svc`, `k2svc-secret`).
    case builtInDefault
    /// The secret is too short.
    case tooShort(Int)
    /// The file cannot be read.
    case unreadable(String, String)
    /// Group or others may read the file.
    case tooOpen(String, Int)

    /// What is wrong and what to do.
    package var description: String {
        switch self {
        case .missing:
            "no cluster secret: give --secret-file PATH (mode 0600) or set \(ClusterSecret.environmentVariable) "
                + "(or --insecure to run with the built-in default secret, which anyone can use)"
        case .builtInDefault:
            "the built-in default secret is refused outside the simulator (anyone can sign tokens and join the "
                + "cluster with it); use your own secret, or --insecure to accept it"
        case .tooShort(let n):
            "the cluster secret has \(n) bytes; it needs at least \(ClusterSecret.minimumBytes) "
                + "(e.g. 'head -c 32 /dev/urandom | base64 > secret; chmod 600 secret')"
        case .unreadable(let path, let why): "cannot read the secret file '\(path)': \(why)"
        case .tooOpen(let path, let mode):
            "the secret file '\(path)' may be read by others (mode \(String(mode, radix: 8))); 'chmod 600 \(path)'"
        }
    }
}

extension ClusterSecret {
    /// The secret in `CLUSTERSIM_SECRET` when it is set and valid, else the built-in default (for
    /// processes started by `cluster up`, which sets it, and tests, which do not).
    package static func fromEnvironmentOrDefault() -> ClusterSecret {
        guard let text = getenv(environmentVariable).map({ String(cString: $0) }),
              let secret = try? ClusterSecret(text: text) else { return .insecureDefault }
        return secret
    }
}
