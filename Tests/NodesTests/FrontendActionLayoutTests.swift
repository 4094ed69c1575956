@testable import Nodes
import Testing

/// The frontend shell reads each action its core returns; an action is copied whole each time,
/// so its size is a cost on every request (see `FrontendCore.Action.runHandler`).
@Suite("FrontendCore.Action stays small")
struct FrontendActionLayoutTests {
    @Test("an action is at most 80 bytes: the 136-byte handler start is boxed")
    func actionIsSmall() {
        #expect(MemoryLayout<FrontendCore.HandlerStart>.size > 80, "the box is there for a large payload")
        #expect(MemoryLayout<FrontendCore.Action>.size <= 80)
    }
}
