import Glibc

/// An IPv4 address and TCP port: where a node listens or a socket is connected.
package struct SocketAddress: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The dotted-quad IPv4 address (`127.0.0.1`, `0.0.0.0`).
    package var host: String
    /// The TCP port; 0 asks the system for a free one when listening.
    package var port: UInt16

    /// Makes an address from its parts. `host` is not checked here; `Socket.listen` and
    /// `Socket.connect` reject a host that is not a dotted-quad IPv4 address.
    package init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// The loopback address `127.0.0.1` with `port` (0 by default: a free port when listening).
    package static func loopback(port: UInt16 = 0) -> SocketAddress {
        SocketAddress(host: "127.0.0.1", port: port)
    }

    /// Parses `HOST:PORT`, where HOST is a dotted-quad IPv4 address or `localhost` (read as
    /// `127.0.0.1`) and PORT a number from 0 to 65535.
    /// - Throws: `SocketAddressError` saying which part is wrong.
    package init(parsing text: String) throws {
        guard let colon = text.lastIndex(of: ":") else {
            throw SocketAddressError(text: text, reason: "no ':' between host and port")
        }
        var host = String(text[..<colon])
        let portText = text[text.index(after: colon)...]
        guard !host.isEmpty else { throw SocketAddressError(text: text, reason: "empty host") }
        guard !portText.isEmpty, portText.allSatisfy({ $0.isASCII && $0.isNumber }),
              let port = UInt16(portText) else {
            throw SocketAddressError(text: text, reason: "port must be a number from 0 to 65535")
        }
        if host == "localhost" { host = "127.0.0.1" }
        guard SocketAddress.ipv4(host) != nil else {
            throw SocketAddressError(text: text, reason: "host \"\(host)\" is not an IPv4 address like 127.0.0.1")
        }
        self.init(host: host, port: port)
    }

    /// `HOST:PORT`.
    package var description: String { "\(host):\(port)" }

    /// The network-order IPv4 address of `host`, or nil when it is not a dotted quad.
    static func ipv4(_ host: String) -> in_addr? {
        var addr = in_addr()
        return inet_pton(AF_INET, host, &addr) == 1 ? addr : nil
    }

    /// The C form of this address.
    /// - Throws: `SocketError` (EINVAL) naming `operation` when the host is not an IPv4 address.
    func sockaddr(for operation: String) throws -> sockaddr_in {
        guard let addr = SocketAddress.ipv4(host) else {
            throw SocketError("\(operation)(\(self)): host is not an IPv4 address;", code: EINVAL)
        }
        var sa = sockaddr_in()
        sa.sin_family = sa_family_t(AF_INET)
        sa.sin_port = port.bigEndian
        sa.sin_addr = addr
        return sa
    }

    /// Reads a C address back.
    init(_ sa: sockaddr_in) {
        var addr = sa.sin_addr
        var buffer = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
        let text = buffer.withUnsafeMutableBufferPointer { out -> String in
            guard inet_ntop(AF_INET, &addr, out.baseAddress, socklen_t(out.count)) != nil else { return "?" }
            return String(cString: out.baseAddress!)
        }
        self.init(host: text, port: UInt16(bigEndian: sa.sin_port))
    }
}
