import Foundation
@testable import ClusterSim
import Testing

/// The bare loop `bench sim --vs-bare` measures against does the anchor's work: every message
/// sent is delivered or lost, losses are not replaced, and a run depends on its seed only.
@Suite("the bare event loop (the anchor of bench sim --vs-bare)")
struct BareLoopTests {
    @Test("without loss every message is delivered; with certain loss none is; in between, deliveries and losses add up to the messages")
    func deliveriesAddUp() {
        let lossless = BareLoop.run(nodes: 50, messages: 20_000, inFlightPerNode: 10, drop: 0)
        #expect(lossless.sent == 20_000 && lossless.deliveries == 20_000)
        let lost = BareLoop.run(nodes: 50, messages: 20_000, inFlightPerNode: 10, drop: 1)
        #expect(lost.deliveries == 0 && lost.sent == 500, "every first message lost, none replaced")
        let some = BareLoop.run(nodes: 50, messages: 20_000, inFlightPerNode: 10, drop: 0.01)
        #expect(some.sent == 20_000 && some.deliveries < 20_000 && some.deliveries > 19_000)
    }

    @Test("the same settings give the same hash; another seed another")
    func deterministic() {
        let a = BareLoop.run(nodes: 100, messages: 50_000)
        let b = BareLoop.run(nodes: 100, messages: 50_000)
        let c = BareLoop.run(nodes: 100, messages: 50_000, seed: 43)
        #expect(a.hash == b.hash && a.deliveries == b.deliveries)
        #expect(a.hash != c.hash)
    }

    @Test("simctl bench sim --vs-bare prints each pair's figures and ends with the medians; a bad count is refused")
    func command() throws {
        let simctl = try #require(builtSimctl(), "simctl binary not found next to the test bundle")
        let out = try runProcess(simctl, ["bench", "sim", "--vs-bare", "2", "--nodes", "50", "--messages", "20000"])
        #expect(out.status == 0, "\(out.stderr)")
        let lines = out.stdout.split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.hasPrefix("pair ") && $0.contains("ratio cpu ") }.count == 2, "\(out.stdout)")
        let last = try #require(lines.last)
        #expect(last.hasPrefix("vs-bare: pairs=2 cpu_ratio_median=") && last.contains(" wall_ratio_median="), "\(last)")
        let bad = try runProcess(simctl, ["bench", "sim", "--vs-bare", "0"])
        #expect(bad.status == 2 && bad.stderr.contains("--vs-bare"))
        let retained = try runProcess(simctl, ["bench", "sim", "--vs-bare", "1", "--retain-trace"])
        #expect(retained.status == 2 && retained.stderr.contains("--retain-trace"))
    }
}
