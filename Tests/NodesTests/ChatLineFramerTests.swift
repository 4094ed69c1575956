import Testing
@testable import Nodes

@Suite("The fan-out's chat-line framer agrees with the general codec")
struct ChatLineFramerTests {
    static let members = ["alice", "('127.0.0.1', 5000)", "밥", "q\"uote", "alice", "b"]
    static let texts = ChatWireFastPathTests.texts + ["r3:1234:" + String(repeating: "x", count: 56), "a"]

    @Test("every line is framed byte for byte as ChatWire.encode frames it, across authors", arguments: ChatWireFormat.allCases)
    func framesSame(format: ChatWireFormat) throws {
        var framer = ChatLineFramer(format: format)
        // Authors alternate, repeat and come back: the cached author part must follow.
        for member in Self.members + Self.members.reversed() {
            for text in Self.texts {
                let general = try ChatWire.encode(.chat(member: member, text: text), format: format)
                var framed: [UInt8]?
                let done = framer.withFrame(member: member, text: text) { framed = Array($0) }
                if done {
                    #expect(framed == general, "member \(member) text \(text)")
                } else {
                    #expect(framed == nil)
                    #expect(format == .json && (member + text).contains(where: { $0 == "\"" || $0 == "\\" || $0.asciiValue.map { $0 < 0x20 } == true }),
                            "the framer declined a simple case: \(member) \(text)")
                }
            }
        }
    }

    @Test("a frame past the protocol's limit is declined", arguments: ChatWireFormat.allCases)
    func tooLarge(format: ChatWireFormat) {
        var framer = ChatLineFramer(format: format)
        #expect(!framer.withFrame(member: "a", text: String(repeating: "z", count: 70_000)) { _ in })
        #expect(framer.withFrame(member: "a", text: "fits") { _ in })
    }
}
