@testable import simctl
import Testing

@Suite("simctl: huge pages for the simulating commands")
struct HugePagesTests {
    @Test("the simulating commands re-execute with the tunable; the others do not", arguments: [
        ("run", true), ("sweep", true), ("shrink", true), ("diff", true), ("bench", true),
        ("node", false), ("cluster", false), ("chat-server", false), ("validate", false),
    ])
    func byCommand(command: String, reexecutes: Bool) {
        #expect(HugePages.shouldReexecute(command: command, environment: [:]) == reexecutes)
    }

    @Test("a user's own GLIBC_TUNABLES, or SIMCTL_SMALL_PAGES, turns it off (so the re-executed process stops)")
    func environmentWins() {
        #expect(!HugePages.shouldReexecute(command: "run", environment: ["GLIBC_TUNABLES": "glibc.malloc.hugetlb=1"]))
        #expect(!HugePages.shouldReexecute(command: "run", environment: ["GLIBC_TUNABLES": "glibc.malloc.arena_max=2"]))
        #expect(!HugePages.shouldReexecute(command: "run", environment: ["SIMCTL_SMALL_PAGES": "1"]))
        #expect(HugePages.shouldReexecute(command: "run", environment: ["PATH": "/usr/bin"]))
    }

    @Test("the tunables ask for huge pages and a fixed mmap threshold of 128 KiB")
    func tunables() {
        let settings = HugePages.tunables.split(separator: ":").map(String.init)
        #expect(settings.contains("glibc.malloc.hugetlb=1"))
        #expect(settings.contains("glibc.malloc.mmap_threshold=131072"))
    }
}
