import NetModel
import Nodes
import Testing
@testable import ClusterSim

/// The run's node timers as data (`TimerTable`), and the simulator path that fires, cancels and
/// sweeps them (`SimNodeEnvironment`).
@Suite("TimerTable: node timers as data")
struct TimerTableTests {
    /// Arms, cancels and fires at random against a dictionary: a timer fires once with its own
    /// call unless cancelled first; a cancel of a fired or cancelled timer, or with a stale
    /// (id, slot) pair after its slot was reused, changes nothing.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func matchesAReferenceUnderRandomTraffic(seed: UInt64) {
        var table = TimerTable<UInt64>()
        var random = SeededRandom(seed: seed)
        var live: [UInt64: Int] = [:]            // id -> slot, armed and not cancelled
        var inHeap: [(id: UInt64, slot: Int)] = []   // keys not yet popped
        var gone: [(id: UInt64, slot: Int)] = []     // fired or cancelled
        var expectedDead = 0
        var nextID: UInt64 = 1
        for step in 0..<40_000 {
            switch random.next() % 4 {
            case 0, 1:
                let (id, slot) = table.arm(1000 + UInt64(step))
                #expect(id == nextID, "ids are handed out from 1 in arming order")
                nextID += 1
                live[id] = slot
                inHeap.append((id, slot))
            case 2 where !inHeap.isEmpty:
                // Cancel a pending timer or retry an old handle.
                if random.next() % 2 == 0, let (id, slot) = inHeap.randomElement(using: &random) {
                    let wasLive = live.removeValue(forKey: id) != nil
                    let cancelled = table.cancel(id: id, slot: slot)
                    #expect(cancelled == wasLive)
                    if wasLive { expectedDead += 1; gone.append((id, slot)) }
                } else if let (id, slot) = gone.randomElement(using: &random) {
                    let cancelled = table.cancel(id: id, slot: slot)
                    #expect(!cancelled, "a stale handle cancels nothing")
                }
            case 3 where !inHeap.isEmpty:
                let index = Int(random.next() % UInt64(inHeap.count))
                let (id, slot) = inHeap.remove(at: index)
                if live.removeValue(forKey: id) != nil {
                    let fired = table.fire(slot: slot)
                    #expect(fired?.id == id && fired?.call != nil)
                    gone.append((id, slot))
                } else {
                    let fired = table.fire(slot: slot)
                    #expect(fired == nil, "a cancelled timer does not fire")
                    expectedDead -= 1
                }
            default:
                break
            }
            #expect(table.dead == expectedDead)
            #expect(table.count == inHeap.count)
        }
    }

    /// Each fired call is the one armed with that id.
    @Test func firesItsOwnCall() {
        var table = TimerTable<String>()
        let a = table.arm("a"), b = table.arm("b")
        let cancelled = table.cancel(id: a.id, slot: a.slot)
        let c = table.arm("c")
        let fb = table.fire(slot: b.slot), fc = table.fire(slot: c.slot), fa = table.fire(slot: a.slot)
        #expect(cancelled && fb?.call == "b" && fc?.call == "c" && fa == nil)
        #expect([a.id, b.id, c.id] == [1, 2, 3])
    }

    /// Sweeping frees exactly the cancelled timers' slots.
    @Test func sweepTakesOnlyCancelledTimers() {
        var table = TimerTable<Int>()
        let armed = (0..<3_000).map { table.arm($0) }
        for (i, t) in armed.enumerated() where i % 3 != 0 { _ = table.cancel(id: t.id, slot: t.slot) }
        #expect(table.dead == 2_000)
        #expect(table.needsSweep(pendingEvents: 3_000))
        #expect(!table.needsSweep(pendingEvents: 4_001))
        let swept = armed.filter { table.sweep(slot: $0.slot) }
        #expect(swept.count == 2_000 && table.dead == 0 && table.count == 1_000)
        for (i, t) in armed.enumerated() where i % 3 == 0 {
            let fired = table.fire(slot: t.slot)
            #expect(fired?.call == i)
        }
    }
}

/// A node actor on the simulator's executor that notes its timers' firings.
actor TimerProbe {
    let executor: SimExecutor
    var fired: [Int] = []
    init(executor: SimExecutor) { self.executor = executor }
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    func note(_ n: Int) { fired.append(n) }
}

extension TimerProbe: TokenTimerTarget {
    /// A token timer fired: noted as its negated token.
    func timerFired(token: UInt64) { fired.append(-Int(token)) }
}

@Suite("Node timers on the simulator")
struct SimTimerTests {
    /// A one-second run with a live node environment (session-9) and a probe actor to arm timers on.
    private func timerRig() throws -> (ClusterRun, Simulator, SimNodeEnvironment, TimerProbe) {
        let json = #"{"name": "timers", "duration": "1s", "cluster": {"frontends": 1}, "workload": {"clients": 1}}"#
        let run = ClusterRun(experiment: try Experiment.parse(json), seed: 1)
        let env = SimNodeEnvironment(name: NodeName(.session, 9), simulator: run.simulator,
                                     incarnation: 1, liveness: run.liveness)
        return (run, run.simulator, env, TimerProbe(executor: run.simulator.executor))
    }

    /// Many timers armed, most cancelled: the cancelled ones never run, the others run once each
    /// at their instants in arming order, and the cancelled ones' keys leave the heap early.
    @Test func cancelledTimersNeverRunAndLeaveTheHeap() throws {
        let (run, sim, env, probe) = try timerRig()
        var peak = 0
        sim.schedule(at: .zero) {
            var ids: [TimerID] = []
            for n in 0..<6_000 {
                ids.append(env.scheduleTimer(after: .milliseconds(10 + n % 7), on: probe) { $0.note(n) })
            }
            peak = sim.pendingEvents
            for (n, id) in ids.enumerated() where n % 4 != 0 { env.cancelTimer(id) }
            env.cancelTimer(ids[1])   // twice: nothing more
        }
        sim.run(until: VirtualInstant.zero.advanced(by: .seconds(1)))
        let fired = sim.inspect(probe) { $0.fired }
        let expected = (0..<6_000).filter { $0 % 4 == 0 }.sorted { ($0 % 7, $0) < ($1 % 7, $1) }
        #expect(fired == expected)
        #expect(peak >= 6_000)
        #expect(run.liveness.timers.count == 0 && run.liveness.timers.dead == 0)
        let timerEvents = sim.trace.retainedEvents.filter { $0.kind == .timer }.count
        #expect(timerEvents == 0 || timerEvents == expected.count)
    }

    /// Token timers (timers as data) and closure timers on one node: each fires once, at its
    /// instant, in arming order among equals, handing back its own token; a cancelled one never
    /// fires; none fires once its node incarnation is gone.
    @Test func tokenTimersFireWithTheirTokens() throws {
        let (run, sim, env, probe) = try timerRig()
        sim.schedule(at: .zero) {
            env.scheduleTimer(after: .milliseconds(30), on: probe, token: 7)
            env.scheduleTimer(after: .milliseconds(10), on: probe) { $0.note(1) }
            env.scheduleTimer(after: .milliseconds(10), on: probe, token: 8)
            let cancelled = env.scheduleTimer(after: .milliseconds(20), on: probe, token: 9)
            env.scheduleTimer(after: .milliseconds(20), on: probe, token: 10)
            env.cancelTimer(cancelled)
            env.scheduleTimer(after: .milliseconds(500), on: probe, token: 11)
        }
        // The node's incarnation ends before the last timer's instant.
        sim.schedule(at: VirtualInstant.zero.advanced(by: .milliseconds(100))) { env.markGone() }
        sim.run(until: VirtualInstant.zero.advanced(by: .seconds(1)))
        #expect(sim.inspect(probe) { $0.fired } == [1, -8, -10, -7])
        #expect(run.liveness.timers.count == 0)
    }

    /// A paused node's timers are held and fire at its resume, in order, until one of them ends the
    /// node's incarnation (as `exitForRestart` does): the rest never fire.
    @Test func heldTimersStopAtTheEndOfTheIncarnation() throws {
        let (run, sim, env, probe) = try timerRig()
        run.environments[env.name] = env
        sim.schedule(at: .zero) {
            env.paused = true
            env.scheduleTimer(after: .milliseconds(10), on: probe) { $0.note(1) }
            env.scheduleTimer(after: .milliseconds(20), on: probe) { probe in
                probe.note(2)
                env.markGone()
            }
            env.scheduleTimer(after: .milliseconds(30), on: probe, token: 3)
            env.scheduleTimer(after: .milliseconds(40), on: probe) { $0.note(4) }
        }
        sim.schedule(at: VirtualInstant.zero.advanced(by: .milliseconds(50))) {
            #expect(probe.withSimulatorIsolation(sim.executor) { $0.fired }.isEmpty, "nothing fires while the node is paused")
            run.resume(env.name)
        }
        sim.run(until: VirtualInstant.zero.advanced(by: .seconds(1)))
        #expect(sim.inspect(probe) { $0.fired } == [1, 2])
        #expect(env.paused == false)
    }

    /// The sweep runs while cancels go on: the heap holds fewer keys than timers were armed.
    @Test func sweepShrinksTheHeap() throws {
        let (_, sim, env, probe) = try timerRig()
        var after = 0
        sim.schedule(at: .zero) {
            for n in 0..<10_000 {
                let id = env.scheduleTimer(after: .milliseconds(50), on: probe) { $0.note(n) }
                if n % 10 != 0 { env.cancelTimer(id) }
            }
            after = sim.pendingEvents
        }
        sim.run(until: VirtualInstant.zero.advanced(by: .seconds(1)))
        #expect(after < 5_000, "cancelled timers' keys are swept off the heap (\(after) left of 10,000)")
        #expect(sim.inspect(probe) { $0.fired } == Array(stride(from: 0, to: 10_000, by: 10)))
    }
}
