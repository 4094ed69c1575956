import Foundation
import NetModel
import Testing
@testable import ClusterSim

@Suite("swarm: the experiment generator")
struct SwarmGeneratorTests {
    static let seeds: ClosedRange<UInt64> = 1...500

    @Test("the same seed draws the same experiment, byte for byte; another seed another one")
    func deterministic() {
        for scale in SwarmGenerator.Scale.allCases {
            let g = SwarmGenerator(scale: scale)
            for seed: UInt64 in [0, 1, 2, 77, 12_345, .max] {
                #expect(g.experiment(seed: seed).jsonText() == SwarmGenerator(scale: scale).experiment(seed: seed).jsonText())
            }
            #expect(g.experiment(seed: 1) != g.experiment(seed: 2))
        }
    }

    @Test("every experiment drawn for seeds 1-500 validates, reads back equal from its file, and settles ≥ 15s")
    func everyDrawValidates() throws {
        for scale in SwarmGenerator.Scale.allCases {
            let g = SwarmGenerator(scale: scale)
            for seed in Self.seeds {
                let e = g.experiment(seed: seed)
                do {
                    try e.validate()
                } catch {
                    Issue.record("seed \(seed) (\(scale)): \(error)\n\(e.jsonText())")
                    continue
                }
                #expect(try Experiment.parse(e.jsonText()) == e, "seed \(seed) does not read back equal")
                #expect(e.seed == seed && e.settle >= SwarmGenerator.minimumSettle)
                #expect(e.checks == CheckName.allCases)
                #expect((5...60).contains(e.workload.clients) || scale == .small)
                #expect((1...5).contains(e.cluster.frontends))
                let net = [e.network.defaults] + e.network.links.map(\.conditions)
                #expect(net.allSatisfy { $0.drop <= 0.05 && $0.duplicate <= 0.05 })
            }
        }
    }

    @Test("faults end inside duration; crashed nodes restart; clock offsets stay within ±4s of 0 and of each other")
    func faultRules() {
        let g = SwarmGenerator()
        for seed in Self.seeds {
            let e = g.experiment(seed: seed)
            var offsets: [NodeName: [Duration]] = [:]
            var crashes = 0, restarts = 0
            for f in e.faults {
                switch f.action {
                case .crash(let n, let after):
                    if after == nil { crashes += 1 }
                    #expect(e.hasNode(n))
                case .restart: restarts += 1
                case .partition(_, _, let heal): #expect(heal != nil && f.at + heal! <= e.duration)
                case .pause(_, let resume): #expect(f.at + resume <= e.duration)
                case .clockOffset(let n, let by):
                    #expect(abs(by.nanosecondsClamped) <= SwarmGenerator.maximumClockOffset.nanosecondsClamped)
                    offsets[n, default: []].append(by)
                }
            }
            #expect(crashes == restarts, "seed \(seed): a crash without its restart")
            let nodes = offsets.keys.sorted()
            for a in nodes {
                for b in nodes where a < b {
                    for x in offsets[a]! { for y in offsets[b]! { #expect(abs((x - y).nanosecondsClamped) <= 4_000_000_000, "seed \(seed)") } }
                }
            }
        }
    }

    @Test("seeds 1-500 draw every fault kind on every role, every latency kind and every network feature")
    func coverage() {
        var tally = SwarmTally()
        let g = SwarmGenerator()
        for seed in Self.seeds { tally.add(g.experiment(seed: seed)) }
        for kind in SwarmTally.faultKinds {
            for role in SwarmTally.roles {
                #expect((tally.faultsByRole[kind + "/" + role.rawValue] ?? 0) > 0, "never drew \(kind) on \(role)")
            }
        }
        for feature in ["latency: constant", "latency: uniform", "latency: exponential", "latency: bimodal", "drop", "duplicate",
                        "link overrides", "gateway", "chat node", "chat rooms", "duplicate logins", "attackers", "no faults",
                        "frontends: 1", "frontends: 5"] {
            #expect((tally.features[feature] ?? 0) > 0, "never drew \(feature)")
        }
        #expect(tally.experiments == 500)
        let lines = tally.lines()
        #expect(lines.contains { $0.hasPrefix("  crash+restartAfter ") })
        let featureLines = lines.drop { !$0.hasPrefix("features drawn") }.dropFirst().map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(featureLines == featureLines.sorted(), "the feature table is not sorted")
    }

    @Test("--faults restricts the kinds and changes nothing else; 'none' draws no faults")
    func restricted() throws {
        #expect(try SwarmFaultKind.parseList("pause, crash") == [.crash, .pause])
        #expect(try SwarmFaultKind.parseList("none") == [])
        #expect(try SwarmFaultKind.parseList("all") == SwarmFaultKind.allCases)
        #expect(throws: SwarmFaultKindError.self) { try SwarmFaultKind.parseList("crash,meteor") }
        #expect(throws: SwarmFaultKindError.self) { try SwarmFaultKind.parseList("") }
        let all = SwarmGenerator(), crashes = SwarmGenerator(kinds: [.crash]), clocks = SwarmGenerator(kinds: [.clock, .partition])
        let none = SwarmGenerator(kinds: [])
        var sawCrash = false
        for seed: UInt64 in 1...200 {
            let a = all.experiment(seed: seed), c = crashes.experiment(seed: seed)
            #expect(a.cluster == c.cluster && a.network == c.network && a.workload == c.workload && a.timing == c.timing)
            #expect(a.duration == c.duration && a.settle == c.settle)
            for f in c.faults {
                switch f.action {
                case .crash, .restart: sawCrash = true
                default: Issue.record("seed \(seed): --faults crash drew \(Shrinker.describe(f))")
                }
            }
            for f in clocks.experiment(seed: seed).faults {
                switch f.action {
                case .clockOffset, .partition: break
                default: Issue.record("seed \(seed): --faults clock,partition drew \(Shrinker.describe(f))")
                }
            }
            #expect(none.experiment(seed: seed).faults.isEmpty)
        }
        #expect(sawCrash)
    }
}
