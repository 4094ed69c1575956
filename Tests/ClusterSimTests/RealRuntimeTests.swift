import Foundation
import NetModel
import Nodes
import Synchronization
import Testing
@testable import ClusterSim

/// A counter shared with executor and timer threads.
private final class Log: Sendable {
    let items = Mutex<[Int]>([])
    func add(_ i: Int) { items.withLock { $0.append(i) } }
    var all: [Int] { items.withLock { $0 } }
}

@Suite("Real runtime: serial executors, timers, mailboxes")
struct RealRuntimeBasicsTests {
    @Test("A serial thread executor runs closures one at a time in FIFO order on its own thread")
    func executorOrder() {
        let executor = SerialThreadExecutor(label: "test")
        defer { executor.shutdown() }
        let log = Log()
        let onThread = Mutex(true)
        for i in 0..<1000 {
            executor.execute {
                if !executor.isCurrent { onThread.withLock { $0 = false } }
                log.add(i)
            }
        }
        executor.sync {}
        #expect(log.all == Array(0..<1000))
        #expect(onThread.withLock { $0 })
        #expect(!executor.isCurrent)
    }

    @Test("An actor on a serial thread executor runs awaited calls there; shutdown drops later work")
    func actorOnExecutor() async {
        let executor = SerialThreadExecutor(label: "actor")
        let counter = CountingActor(executor: executor)
        for _ in 0..<100 { await counter.bump() }
        #expect(await counter.count == 100)
        #expect(await counter.ranOnExecutor)
        executor.shutdown()
        #expect(executor.execute {} == false)
    }

    @Test("Timers fire in deadline order (ties in scheduling order), none before its deadline")
    func timerOrder() {
        let timers = TimerHeap()
        defer { timers.shutdown() }
        let log = Log()
        let early = Mutex(0)
        let start = MonotonicClock.nanoseconds()
        let delays = [30, 10, 20, 10, 0, 40]
        let done = DispatchSemaphore(value: 0)
        for (i, ms) in delays.enumerated() {
            let deadline = start + Int64(ms) * 1_000_000
            timers.schedule(at: deadline) {
                if MonotonicClock.nanoseconds() < deadline { early.withLock { $0 += 1 } }
                log.add(i)
                if log.all.count == delays.count { done.signal() }
            }
        }
        #expect(done.wait(timeout: .now() + 5) == .success)
        #expect(log.all == [4, 1, 3, 2, 0, 5])
        #expect(early.withLock { $0 } == 0)
    }

    @Test("A mailbox keeps arrival order across threads, holds while paused and drops everything once closed")
    func mailbox() {
        let executor = SerialThreadExecutor(label: "mailbox")
        defer { executor.shutdown() }
        let box = NodeMailbox(executor: executor)
        let log = Log()
        for i in 0..<200 { box.post { log.add(i) } }
        executor.sync {}
        // Several drains may be needed (batches of 64): wait for them on the executor.
        for _ in 0..<10 { executor.sync {} }
        #expect(log.all == Array(0..<200))
        box.hold()
        box.post { log.add(1000) }
        for _ in 0..<3 { executor.sync {} }
        #expect(log.all.count == 200)
        #expect(box.pendingCount == 1)
        box.release()
        for _ in 0..<3 { executor.sync {} }
        #expect(log.all.last == 1000)
        box.hold()
        box.post(lost: { log.add(-2000) }) { log.add(2000) }
        let lost = box.close()
        #expect(lost.count == 1)
        for record in lost { record() }
        #expect(box.post(lost: { log.add(-3000) }) { log.add(3000) } == false)
        box.release()
        for _ in 0..<3 { executor.sync {} }
        #expect(log.all.suffix(2) == [-2000, -3000])
        #expect(log.all.count == 203)
    }

    @Test("hold() returns only once the item running now has finished")
    func holdWaitsForTheRunningItem() {
        let executor = SerialThreadExecutor(label: "hold")
        defer { executor.shutdown() }
        let box = NodeMailbox(executor: executor)
        let log = Log()
        let started = DispatchSemaphore(value: 0), finish = DispatchSemaphore(value: 0)
        let held = DispatchSemaphore(value: 0)
        box.post {
            started.signal()
            _ = finish.wait(timeout: .now() + 5)  // a long item: it ends when the test says so
            log.add(1)
        }
        #expect(started.wait(timeout: .now() + 5) == .success)
        let holder = Thread {
            box.hold()
            log.add(2)
            held.signal()
        }
        holder.start()
        // hold() must still be waiting while the item runs (a broken one returns at once).
        #expect(held.wait(timeout: .now() + 0.05) == .timedOut)
        finish.signal()
        #expect(held.wait(timeout: .now() + 5) == .success)
        #expect(log.all == [1, 2])
    }

    @Test("Traffic from a node of the process is handled only after the sender's item has finished (causal trace order)")
    func causalOrder() {
        let a = SerialThreadExecutor(label: "a"), b = SerialThreadExecutor(label: "b")
        defer { a.shutdown(); b.shutdown() }
        let sender = NodeMailbox(executor: a), receiver = NodeMailbox(executor: b)
        let log = Log()
        let done = DispatchSemaphore(value: 0), finish = DispatchSemaphore(value: 0)
        sender.post {
            // What the sender does after sending must come first, however long it takes: here
            // it ends only when the test says so.
            receiver.post(after: sender) { log.add(2); done.signal() }
            _ = finish.wait(timeout: .now() + 5)
            log.add(1)
        }
        // The receiver's item must not run while the sender's is still running.
        #expect(done.wait(timeout: .now() + 0.05) == .timedOut)
        finish.signal()
        #expect(done.wait(timeout: .now() + 5) == .success)
        #expect(log.all == [1, 2])
        // Without a sender the item runs as soon as its executor gets to it.
        let quick = DispatchSemaphore(value: 0)
        sender.post {
            receiver.post { log.add(4); quick.signal() }
            _ = quick.wait(timeout: .now() + 5)
            log.add(3)
        }
        a.sync {}
        #expect(log.all == [1, 2, 4, 3])
    }
}

private actor CountingActor {
    let executor: SerialThreadExecutor
    var count = 0
    var ranOnExecutor = true
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    init(executor: SerialThreadExecutor) { self.executor = executor }
    func bump() {
        if !executor.isCurrent { ranOnExecutor = false }
        count += 1
    }
}

/// The fixture experiments of the real-runtime tests.
func realFixture(_ name: String) throws -> Experiment {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/real/\(name)", withExtension: "json"))
    return try Experiment.load(path: url.path)
}

@Suite("Real runtime: a whole experiment in real time on the in-memory fabric")
struct RealLocalRunTests {
    @Test("failover-short on the local fabric passes the same checks as on the simulator")
    func failoverShort() throws {
        let experiment = try realFixture("failover-short")
        let run = RealClusterRun(experiment: experiment, fabric: LocalFabric(), executorCount: 2)
        let record = run.run()
        let result = run.evaluate(record)
        for c in result.checks where !c.passed { Issue.record("\(c.name): \(c.detail)") }
        #expect(result.passed)
        // The crash really happened and was noticed: frontend-2 removed by the manager.
        #expect(record.events.contains { $0.kind == .crash && $0.node == NodeName(.frontend, 2) })
        #expect(record.events.contains { $0.kind == .node && $0.label == NodeLog.nodeRemoved && $0.detail.contains("frontend-2") })
    }
}

/// A local fabric that refuses to attach one node (a listener that cannot be opened).
private final class RefusingFabric: RealFabric, @unchecked Sendable {
    let base = LocalFabric()
    let refused: NodeName
    init(refusing refused: NodeName) { self.refused = refused }
    func attach(_ name: NodeName, listens: Bool,
                handler: @escaping @Sendable (Inbound<ClusterMessage>) -> Void) throws -> RealAttachment {
        if name == refused { throw RealFabricError("cannot listen for \(name)") }
        return try base.attach(name, listens: listens, handler: handler)
    }
    func setCutLinks(_ links: Set<Link>) { base.setCutLinks(links) }
    func shutdown() { base.shutdown() }
}

@Suite("Real runtime: its own check")
struct RealRuntimeCheckTests {
    @Test("A node that cannot attach fails the runtime check, naming it")
    func attachFailure() throws {
        let experiment = try realFixture("notes-tiny")
        let run = RealClusterRun(experiment: experiment, fabric: RefusingFabric(refusing: NodeName(.frontend, 1)),
                                 executorCount: 1)
        let result = run.evaluate(run.run())
        let check = try #require(result.checks.first { $0.name == "runtime" })
        #expect(!check.passed)
        #expect(check.detail.contains("frontend-1: cannot listen for frontend-1"))
        #expect(!result.passed)
    }
}
