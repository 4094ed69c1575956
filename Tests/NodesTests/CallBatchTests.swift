import NetModel
@testable import Nodes
import Testing

/// `CallBatch`: how a turn's calls to one node are cut into messages.
@Suite("CallBatch: one call alone, more in order as batches within the call and byte limits")
struct CallBatchTests {
    static let key = RequestKey(origin: NodeName(.chat, 1), id: 7)

    static func push(_ n: UInt64, text: String = "hi", users: Int = 3) -> BackendCall {
        .pushTo(users: (0..<users).map { "chat-door-1/abc/\($0)" }, pushID: n, body: .chat(.line(member: "m", text: text, messageID: n)),
                acceptedAt: 0, request: RequestKey(origin: NodeName(.chat, 1), id: n))
    }

    /// The calls of `messages`, a batch's one by one, in order.
    static func flattened(_ messages: [BackendCall]) -> [BackendCall] {
        messages.flatMap { if case .batch(let calls) = $0 { calls } else { [$0] } }
    }

    @Test("nothing, one call, several: none, the call itself, one batch in order")
    func smallRuns() {
        #expect(CallBatch.messages([]).isEmpty)
        #expect(CallBatch.messages([Self.push(1)]) == [Self.push(1)])
        let three = [Self.push(1), .executed(request: Self.key, result: .ok), Self.push(2)]
        #expect(CallBatch.messages(three) == [.batch(three)])
    }

    @Test("past maxCalls a new batch starts; every call comes out once, in order")
    func countLimit() {
        let calls = (1...UInt64(CallBatch.maxCalls * 2 + 1)).map { Self.push($0) }
        let messages = CallBatch.messages(calls)
        #expect(messages.count == 3)
        #expect(messages.last == Self.push(UInt64(CallBatch.maxCalls * 2 + 1)))   // a run of one goes as itself
        #expect(Self.flattened(messages) == calls)
    }

    @Test("lines of 16 KiB: each batch stays within maxBytes, far below a TCP frame; a call too large for any goes alone")
    func byteLimit() throws {
        let long = String(repeating: "가", count: 5_461)   // 16,383 bytes
        let calls = (1...UInt64(100)).map { Self.push($0, text: long, users: 10) }
        let messages = CallBatch.messages(calls)
        #expect(messages.count > 1)
        #expect(Self.flattened(messages) == calls)
        for message in messages {
            let bytes = try MessagePackEncoder().encode(ClusterMessage.backend(group: "g", message))
            #expect(bytes.count <= CallBatch.maxBytes)
            #expect(message.estimatedSize >= bytes.count, "the estimate is an upper bound")
        }
        let huge = BackendCall.service(name: "s", user: "u", payload: ServicePayload(StateRequest()), request: Self.key)
        #expect(CallBatch.messages([Self.push(1), huge, Self.push(2)]) == [Self.push(1), huge, Self.push(2)])
    }

    @Test("traced as the one kind of call it carries (flows read the same), a mixed or empty batch as Batch")
    func traceLabels() {
        let executed = BackendCall.executed(request: Self.key, result: .ok)
        #expect(BackendCall.batch([Self.push(1), Self.push(2)]).traceLabel == "PushTo")
        #expect(BackendCall.batch([executed, executed]).traceLabel == "Executed")
        #expect(BackendCall.batch([Self.push(1), executed]).traceLabel == "Batch")
        #expect(BackendCall.batch([executed, Self.push(1), Self.push(2)]).traceLabel == "Batch")
        #expect(BackendCall.batch([]).traceLabel == "Batch")
    }

    @Test("gathered per destination: each destination's calls in order, destinations in the order they came up")
    func outgoing() {
        var out = CallBatch.Outgoing()
        #expect(out.isEmpty)
        let a = NodeName(.chatDoor, 1), b = NodeName(.chat, 1)
        out.add(Self.push(1), to: a)
        out.add(Self.push(2), to: b)
        out.add(Self.push(3), to: a)
        let taken = out.take()
        #expect(taken.map(\.node) == [a, b])
        #expect(taken.map(\.message) == [.batch([Self.push(1), Self.push(3)]), Self.push(2)])
        #expect(out.isEmpty)
    }
}
