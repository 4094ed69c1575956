import Testing
@testable import Nodes

@Suite("RequestIDMap")
struct RequestIDMapTests {
    @Test("one request is held inline: no storage, found, removed")
    func oneInline() {
        var map = RequestIDMap<String>()
        map[7] = "a"
        #expect(map[7] == "a" && map[8] == nil && map.count == 1 && !map.holdsStorage)
        #expect(map.removeValue(forKey: 7) == "a")
        #expect(map.isEmpty && map[7] == nil)
    }

    @Test("more requests at once are all found, each value replaced in place, the storage dropped once empty")
    func several() {
        var map = RequestIDMap<Int>()
        for id: UInt64 in 1...5 { map[id] = Int(id) * 10 }
        #expect(map.count == 5 && map.holdsStorage)
        for id: UInt64 in 1...5 { #expect(map[id] == Int(id) * 10) }
        map[1] = 11
        map[4] = 44
        #expect(map[1] == 11 && map[4] == 44 && map.count == 5)
        map[2] = nil
        #expect(map[2] == nil && map.count == 4)
        for id: UInt64 in [1, 3, 4, 5] { map.removeValue(forKey: id) }
        #expect(map.isEmpty && !map.holdsStorage)
    }

    @Test("with the inline slot free, a request already in the dictionary is updated there, not held twice")
    func noDuplicateAfterInlineRemoved() {
        var map = RequestIDMap<Int>()
        map[1] = 1
        map[2] = 2
        map.removeValue(forKey: 1)
        map[2] = 20
        #expect(map.count == 1 && map[2] == 20)
        map.removeValue(forKey: 2)
        #expect(map.isEmpty && map[2] == nil)
    }
}
