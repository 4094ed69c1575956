import Foundation
import NetModel

/// A request or reply of a service: `Codable` (MessagePack on TCP), `Equatable` (tests compare
/// messages) and `Sendable`.
public protocol ServiceMessage: Codable, Equatable, Sendable {}

/// A service's request or reply as it travels: the Swift value itself on the simulated network
/// (no encoding cost), MessagePack bytes once it has crossed a real socket. `decode(as:)` gives
/// the typed value back either way.
public enum ServicePayload: Codable, Equatable, Sendable, CustomStringConvertible {
    /// The value, as sent in this process. Boxed (`indirect`): an unboxed existential would make
    /// every type that carries a payload — `ClientResult`, `BackendCall`, `ClusterMessage` —
    /// address-only, copied through value witnesses on every hop (11-mixed-1000 spent ~12% more
    /// instructions that way).
    indirect case value(any ServiceMessage)
    /// The value's MessagePack encoding, as received from a socket.
    case encoded([UInt8])

    /// Wraps a typed message.
    public init<M: ServiceMessage>(_ message: M) { self = .value(message) }

    /// The typed message.
    /// - Throws: `ServicePayloadError` when the payload is another type or does not decode.
    public func decode<M: ServiceMessage>(as type: M.Type) throws(ServicePayloadError) -> M {
        switch self {
        case .value(let value):
            // The exact type, the case of every request: taken out of the box without the
            // runtime's dynamic cast (which looked protocol conformances up, ~300 instructions a
            // cast). A subclass of `M` still goes through `as?`.
            if Swift.type(of: value) == M.self { return Self.exactly(value, as: M.self) }
            guard let typed = value as? M else { throw .wrongType(expected: "\(M.self)", got: "\(Swift.type(of: value))") }
            return typed
        case .encoded(let bytes):
            do { return try MessagePackDecoder().decode(M.self, from: bytes) } catch {
                throw .undecodable(expected: "\(M.self)", detail: "\(error)")
            }
        }
    }

    /// `value`, whose dynamic type is exactly `M`, as an `M`.
    private static func exactly<M: ServiceMessage>(_ value: any ServiceMessage, as type: M.Type) -> M {
        func open<V: ServiceMessage>(_ opened: V) -> M { unsafeBitCast(opened, to: M.self) }
        return open(value)
    }

    /// The MessagePack encoding.
    public func bytes() throws -> [UInt8] {
        switch self {
        case .value(let value): try MessagePackEncoder().encode(value)
        case .encoded(let bytes): bytes
        }
    }

    public static func == (a: ServicePayload, b: ServicePayload) -> Bool {
        if case .value(let x) = a, case .value(let y) = b { return x.isEqual(to: y) }
        return (try? a.bytes()) == (try? b.bytes())
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Data(bytes()))
    }

    public init(from decoder: any Decoder) throws {
        self = .encoded(Array(try decoder.singleValueContainer().decode(Data.self)))
    }

    public var description: String {
        switch self {
        case .value(let value): "\(value)"
        case .encoded(let bytes): "<\(bytes.count) bytes>"
        }
    }
}

extension ServiceMessage {
    /// Equality across existentials: equal when `other` is the same type and equal.
    func isEqual(to other: any ServiceMessage) -> Bool {
        guard let other = other as? Self else { return false }
        return self == other
    }
}

/// Why a payload could not be read as the type a service expects.
public enum ServicePayloadError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An in-process value of another type.
    case wrongType(expected: String, got: String)
    /// Bytes that are not a MessagePack encoding of the expected type.
    case undecodable(expected: String, detail: String)

    public var description: String {
        switch self {
        case .wrongType(let expected, let got): "expected a \(expected), got a \(got)"
        case .undecodable(let expected, let detail): "not a \(expected): \(detail)"
        }
    }
}
