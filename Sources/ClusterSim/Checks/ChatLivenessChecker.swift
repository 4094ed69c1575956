import NetModel
import Nodes

/// `chat-liveness`: chat keeps flowing after the last fault.
///
/// Two instants bound the window judged:
/// - *T*, the end of the last fault (``RunRecord/lastFaultEnd()``): the latest fault event of the
///   trace (crash, restart, partition, heal, pause, resume, clock offset, the runner's `fault`
///   marker), the record's `lastFault`, and the planned end of each of the experiment's faults (a
///   crash's restart, a partition's heal or the end of the load when it has none, a pause's
///   resume, a clock offset's instant); the start of the run when there is no fault at all.
/// - *L*, the end of the load phase (`RunRecord.endOfLoad`, the experiment's `duration`): clients
///   stop saying lines then (`ClientPlan.loadEndsAt`).
///
/// When L − T is less than ``recoveryBound`` (10 s) the cluster had no fair chance to show that
/// chat recovered: the check passes with `not judged: load ends X after the last fault` in its
/// detail.
///
/// Otherwise, property: every room in which a line was said (the `room=` of a `chat-line`, at any
/// time) and which has at least two members at the end has a line said in [T, L] that another
/// member received (a `chat-received msg=M` at a client whose user is not the line's sender;
/// receptions count whenever they happen, settle included). Members at the end come from the
/// snapshot's `chatMembers` when it has them; when it does not (no chat node, or it is down at the
/// end) from the last line of the room: its sender and listed members.
///
/// A chat node that crashes loses its rooms, and a restarted one numbers rooms from 1 again, so a
/// room is a room number of one chat-node incarnation (the count of chat-node crashes before its
/// lines). A room whose incarnation ended in a crash did not empty because its members left: it is
/// judged with the members of its last line, and it passes when its members chat together again —
/// a line said in [T, L] by one of them, in any room, that another of them received (users known
/// from the snapshot's client rows). Its offender reads `… (lost with a chat-node crash)`.
///
/// A room is judged only when one of its members tried to say a line in (T, L] — the outcome of
/// a line (`client-reply service=ChatCommand msg=M`, a reply or a give-up) at one of its
/// clients: a room whose members said nothing then is `quiet`, not dead (its members talk at a
/// random rate and may simply not have). A room whose members try and fail, or whose members
/// think they said lines no one received, is judged.
///
/// Allowed exceptions: none; rooms with fewer than two members at the end are not judged (counted
/// in the detail as the rooms with lines less the rooms judged and the quiet ones).
///
/// Failures: `silent-room`.
///
/// Detail: `last fault ends T, load ends L; rooms with lines R, judged J, lines after the fault N`
/// then, on failure, `; failures: silent-room=K: …` with the first few rooms in number order
/// (`room 3 (alice,bob) last line 42.000s`).
package struct ChatLivenessChecker: ScanningChecker {
    /// Which check this is.
    package var name: CheckName { .chatLiveness }
    /// The least time between the end of the last fault and the end of the load for the check to
    /// judge: the cluster's recovery budget (failure detection, re-registration, clients
    /// reconnecting and rejoining) with room for a line to be said and received.
    package static let recoveryBound: Duration = RunRecord.recoveryBound

    /// Makes the checker.
    package init() {}

    /// Decides the property described above.
    /// - Returns: a passing result with a summary, or a failing one listing the silent rooms.
    package func check(_ run: RunRecord) -> CheckResult { run.scanned(makeScan()) }

    /// A fresh scan of the chat lines and receptions.
    func makeScan() -> any TraceScan<CheckResult> { Scan() }

    /// The verdict on a finished scan against the run's last fault, end of load and end state.
    func verdict(_ scan: Scan, run: RunRecord) -> CheckResult {
        let faultEnd = run.lastFaultEnd()
        let start = faultEnd ?? .zero, load = run.endOfLoad
        let window = "\(faultEnd.map { "last fault ends \($0)" } ?? "no fault"), load ends \(load)"
        guard start <= load, start.duration(to: load) >= Self.recoveryBound else {
            let gap = start <= load ? start.duration(to: load) : .zero
            return pass("\(window); not judged: load ends \(formatNanoseconds(gap.nanosecondsClamped)) after the last fault"
                        + " (recovery bound \(formatNanoseconds(Self.recoveryBound.nanosecondsClamped)))")
        }
        let userOf = Dictionary(run.snapshot.clients.map { ($0.client, $0.user) }, uniquingKeysWith: { a, _ in a })
        let recent = scan.lines.filter { $0.at >= start && $0.at <= load }
        var judged = 0, quiet = 0
        var failures: [String] = []
        for room in scan.rooms.keys.sorted() {
            let roomLines = scan.rooms[room]!
            let lines = roomLines.positions.map { scan.lines[$0] }
            let lost = room.incarnation < scan.chatCrashes
            let last = (line: lines.last!, members: roomLines.lastMembers)
            let members = lost ? Self.members(of: last) : Self.members(of: room.number, lastLine: last, snapshot: run.snapshot)
            guard members.count >= 2 else { continue }
            // Judged only when a member tried to say a line after the fault: a quiet room is not a
            // dead one.
            let group = Set(members)
            let tried = scan.chatAttempts.contains { client, times in
                userOf[client].map { group.contains($0) } == true && times.contains { $0 > start && $0 <= load }
            }
            guard tried else {
                quiet += 1
                continue
            }
            judged += 1
            let heard: Bool
            if lost {
                // The room went with its chat node: its members must be chatting together again.
                heard = recent.contains { line in
                    group.contains(line.sender) && scan.receivers(of: line.msg).contains { client in
                        userOf[client].map { $0 != line.sender && group.contains($0) } ?? false
                    }
                }
            } else {
                heard = lines.contains { line in
                    line.at >= start && line.at <= load
                        && scan.receivers(of: line.msg).contains { userOf[$0] != line.sender }
                }
            }
            if !heard {
                failures.append("room \(room.number) (\(members.joined(separator: ","))) last line \(lines.last!.at)"
                                + (lost ? " (lost with a chat-node crash)" : ""))
            }
        }
        let summary = "\(window); rooms with lines \(scan.rooms.count), judged \(judged), quiet \(quiet), lines after the fault \(recent.count)"
        if failures.isEmpty { return pass(summary) }
        return fail(summary + "; failures: " + Detail.counts([("silent-room", failures.count)]) + ": " + Detail.list(failures))
    }

    /// The members of `room` at the end, sorted: the snapshot's when it lists chat rooms, else
    /// the sender and members of the room's last line.
    static func members(of room: UInt64, lastLine: (line: Scan.Line, members: [String]), snapshot: ClusterSnapshot) -> [String] {
        if let rows = snapshot.chatMembers {
            return rows.filter { UInt64(exactly: $0.room) == room }.map(\.user)
        }
        return members(of: lastLine)
    }

    /// The sender and members of `last` (a line and the members it listed), sorted.
    static func members(of last: (line: Scan.Line, members: [String])) -> [String] {
        Array(Set(last.members + [last.line.sender])).sorted()
    }
}
