import NetModel
@testable import Nodes
import Testing

/// Test answers kept whole in a request window (none packs).
extension Int: WindowAnswer {
    public var packed: (kind: UInt8, word: UInt64)? { nil }
    public init(kind: UInt8, word: UInt64) { self = Int(word) }
}

@Suite("Services: payloads, the registry, the sample inventory, request steps")
struct ServiceTests {
    @Test("a payload decodes as its own type from a value and from its MessagePack bytes, and equals either form")
    func payloadForms() throws {
        let gift = GiftItem(to: "user-2", item: "gem", count: 1)
        let value = ServicePayload(gift)
        let bytes = ServicePayload.encoded(try value.bytes())
        #expect(try value.decode(as: GiftItem.self) == gift)
        #expect(try bytes.decode(as: GiftItem.self) == gift)
        #expect(value == bytes)
        #expect(value != ServicePayload(GiftItem(to: "user-3", item: "gem", count: 1)))
    }

    @Test("a payload of another type is refused with both types named; garbage bytes with why")
    func payloadErrors() {
        #expect(throws: ServicePayloadError.wrongType(expected: "AddItem", got: "GiftItem")) {
            try ServicePayload(GiftItem(to: "u", item: "gem", count: 1)).decode(as: AddItem.self)
        }
        #expect(throws: ServicePayloadError.self) { try ServicePayload.encoded([0xc1, 0xff]).decode(as: AddItem.self) }
    }

    @Test("a payload of a class type decodes as its class and as its superclass; the value it gives is the one sent")
    func payloadOfClasses() throws {
        let note = SignedNote(text: "hello, a text long enough to live on the heap")
        let payload = ServicePayload(note)
        let same = try payload.decode(as: SignedNote.self)
        #expect(same === note)
        let base = try payload.decode(as: Note.self)   // a superclass: the dynamic cast's path
        #expect(base === note)
        #expect(base.text == note.text)
        #expect(throws: ServicePayloadError.wrongType(expected: "SignedNote", got: "Note")) {
            try ServicePayload(Note(text: "plain")).decode(as: SignedNote.self)
        }
        // Taken out of the box many times (the exact type's path): the box and the string are
        // retained correctly, or this reads freed memory.
        var texts: [String] = []
        for _ in 0..<1_000 { texts.append(try payload.decode(as: SignedNote.self).text) }
        #expect(Set(texts) == [note.text])
        let struct1 = ServicePayload(GiftItem(to: "user-2", item: "a gem with a long name on the heap", count: 3))
        for _ in 0..<1_000 { #expect(try struct1.decode(as: GiftItem.self).item == "a gem with a long name on the heap") }
    }

    @Test("a whole request travels as MessagePack and comes back equal (the TCP path)")
    func requestOverTheWire() throws {
        let request = ClientRequest(requestID: 7, token: "t", call: ClientService.message(to: "u", text: "hi").call,
                                    origin: NodeName(.client, 3))
        let decoded = try MessagePackDecoder().decode(ClientRequest.self, from: MessagePackEncoder().encode(request))
        #expect(decoded == request)
        #expect(try decoded.call.payload.decode(as: MessageRequest.self) == MessageRequest(to: "u", text: "hi"))
        #expect(decoded.traceLabel == "MessageUser")
    }

    @Test("the built-in registry has the seven services; the standard one adds the simulated inventory")
    func registries() {
        #expect(ServiceRegistry.builtIn.frontendServices
            == ["Broadcast", "ChatCommand", "IsOnline", "Kick", "Login", "MessageUser", "State"])
        #expect(ServiceRegistry.builtIn.backendServices.isEmpty)
        let standard = ServiceRegistry.standard
        #expect(standard.backendServices == ["Inventory.Store"])
        #expect(standard.canSimulate("Inventory.Gift"))
        #expect(!standard.canSimulate("MessageUser"))
        #expect(!standard.canSimulate("Nope"))
        #expect(standard.frontend["Login"]?.access == .anonymous)
        #expect(standard.frontend["Inventory.Add"]?.access == .signedIn)
    }

    @Test("a simulated service draws its request from the client's stream")
    func workloadDraw() throws {
        var n: UInt64 = 0
        var draw = WorkloadDraw(user: "user-1", pickUser: { "user-9" }, draw: { n += 1; return n })
        let call = try #require(ServiceRegistry.standard.workloadCall("Inventory.Gift", &draw))
        #expect(call.service == "Inventory.Gift")
        #expect(try call.payload.decode(as: GiftItem.self) == GiftItem(to: "user-9", item: inventoryCatalog[1], count: 1))
    }

    @Test("the inventory store adds, lists, gives only what the giver has, and refuses bad items and counts")
    func inventoryStore() throws {
        var store = InventoryStore()
        #expect(try store.execute(.add(item: "gem", count: 2), user: "a") == Inventory(items: [ItemCount(item: "gem", count: 2)]))
        #expect(throws: Refusal.rejected("not-enough-sword")) { try store.execute(.give(to: "b", item: "sword", count: 1), user: "a") }
        #expect(throws: Refusal.rejected("unknown-item")) { try store.execute(.add(item: "boat", count: 1), user: "a") }
        #expect(throws: Refusal.rejected("bad-count")) { try store.execute(.add(item: "gem", count: 0), user: "a") }
        #expect(throws: Refusal.rejected("gift-to-self")) { try store.execute(.give(to: "a", item: "gem", count: 1), user: "a") }
        #expect(try store.execute(.give(to: "b", item: "gem", count: 2), user: "a") == Inventory(items: []))
        #expect(try store.execute(.list, user: "b").count(of: "gem") == 2)
    }

    @Test("a backend service's state executes through the type-erased box; a payload of another type is refused")
    func backendBox() throws {
        var state = BackendServiceEntry(InventoryStore.self).makeState()
        guard case .reply(let payload) = state.execute(ServicePayload(InventoryCommand.add(item: "gem", count: 1)), user: "a") else {
            Issue.record("no reply")
            return
        }
        #expect(try payload.decode(as: Inventory.self).count(of: "gem") == 1)
        guard case .refused(.badRequest) = state.execute(ServicePayload(ListItems()), user: "a") else {
            Issue.record("a wrong payload was executed")
            return
        }
    }

    @Test("the steps of one request are executed separately, each once")
    func steps() {
        var window = RequestWindow<Int>(capacity: 8)
        let first = RequestKey(origin: NodeName(.client, 1), id: RequestKey.id(incarnation: 3, counter: 1))
        guard case .execute = window.begin(first) else { Issue.record("step 0 not executed"); return }
        window.finish(first, answer: 10)
        guard case .execute = window.begin(first.step(1)) else { Issue.record("step 1 taken for step 0"); return }
        window.finish(first.step(1), answer: 11)
        guard case .repeated(10) = window.begin(first), case .repeated(11) = window.begin(first.step(1)) else {
            Issue.record("a copy of a step was executed again")
            return
        }
        #expect(first.step(2).description == "client-1#\(first.id).2")
    }
}

/// A message that is a class, and a subclass of it (user services may define either).
class Note: ServiceMessage, @unchecked Sendable {
    let text: String
    init(text: String) { self.text = text }
    static func == (a: Note, b: Note) -> Bool { a.text == b.text }
}

/// A subclass of `Note` (its initializers and coding inherited).
final class SignedNote: Note, @unchecked Sendable {}
