import Testing
@testable import NetModel

@Suite("Trace details: structured fields, text form, hash")
struct TraceDetailTests {
    let structured: TraceDetail = ["push": .number(17), "user": .text("alice smith"), "from": .name(NodeName(.frontend, 12)),
                                   "members": .list(["bob", "carol d"]), "lag": .signed(-5), "ok": .flag(true)]

    @Test func rendersAsSpaceSeparatedFields() {
        #expect(structured.description == "push=17 user=alice_smith from=frontend-12 members=bob,carol_d lag=-5 ok=true")
    }

    @Test func foldsTheSameBytesAsItsText() {
        var a = FNV1a64(), b = FNV1a64()
        structured.fold(into: &a)
        b.combine(structured.description)
        #expect(a.value == b.value)
        for n: UInt64 in [0, 9, 10, 99, 100, 12345, .max] {
            var x = FNV1a64(), y = FNV1a64()
            TraceDetail(fields: [(key: "n", value: .number(n))]).fold(into: &x)
            y.combine("n=\(n)")
            #expect(x.value == y.value, "n=\(n)")
        }
    }

    @Test func readsFieldsFromBothForms() {
        let text = TraceDetail(text: structured.description)
        for d in [structured, text] {
            #expect(d.number("push") == 17)
            #expect(d.name("from") == NodeName(.frontend, 12))
            #expect(d.signed("lag") == -5)
            #expect(d.text("ok") == "true")
            #expect(d.text("missing") == nil)
            #expect(d.number("user") == nil)
        }
        #expect(text.text("user") == "alice_smith")
        #expect(structured.text("members") == "bob,carol d")
    }

    @Test func equalityComparesTheTextAcrossForms() {
        #expect(structured == TraceDetail(text: structured.description))
        #expect(structured != TraceDetail(text: "push=18"))
        #expect(TraceDetail.empty.isEmpty && !structured.isEmpty)
    }
}
