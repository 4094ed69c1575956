import Foundation
import Glibc
import Testing
@testable import ClusterSim

/// The command line a user expects (issue 14), each promise checked through the built binary.
@Suite("simctl: the command line (several files, --json, overrides, seeds, paths, errors)")
struct SimctlCLITests {
    static let small = #"{"name": "small", "duration": "2s", "settle": "2s", "cluster": {"frontends": 2}, "workload": {"clients": 3, "rampUp": "500ms", "requestRate": "1/s", "pushRate": "1/s"}}"#
    /// Fails its p99 threshold whatever happens: no push is delivered in under a microsecond.
    static let failing = #"{"name": "too-strict", "duration": "2s", "settle": "2s", "cluster": {"frontends": 1}, "workload": {"clients": 3, "rampUp": "500ms", "pushRate": "2/s"}, "expect": {"pushLatencyP99Below": "1us"}}"#
    static let maxSeed = "18446744073709551615"

    /// A fresh directory of its own.
    func directory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("simctl-cli-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    func write(_ text: String, name: String = "experiment.json", in dir: URL? = nil) throws -> String {
        let file = try (dir ?? directory()).appendingPathComponent(name)
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    func simctl(_ args: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try runProcess(try #require(builtSimctl()), args)
    }

    func lines(_ text: String) -> [String] { text.split(separator: "\n").map(String.init) }

    func jsonObject(_ line: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not a JSON object: \(line)")
    }

    // MARK: - Several files

    @Test("run FILE FILE: one summary line each, a total line, exit 1 when one failed; --json one object per line")
    func runSeveralFiles() throws {
        let dir = try directory()
        let good = try write(Self.small, name: "good.json", in: dir), bad = try write(Self.failing, name: "strict.json", in: dir)
        let run = try simctl(["run", good, bad, "--seed", "3"])
        #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
        let out = lines(run.stdout)
        #expect(out.first?.range(of: #"good\.json: result=PASS seed=3 events=\d+ trace=[0-9a-f]{16}$"#, options: .regularExpression) != nil, "\(out)")
        #expect(out.contains { $0.hasPrefix(bad + ": result=FAIL seed=3 ") })
        #expect(out.contains { $0.hasPrefix("  ✗ ") }, "the failing check is not listed: \(out)")
        #expect(out.last == "run: files=2 passed=1 failed=1")

        let json = try simctl(["run", good, good, "--json"])
        #expect(json.status == 0)
        let objects = try lines(json.stdout).map(jsonObject)
        #expect(objects.count == 2)
        #expect(objects.allSatisfy { $0["file"] as? String == good && $0["result"] as? String == "PASS" })
    }

    @Test("run with a bad file among several runs nothing and exits 2")
    func runSeveralOneBad() throws {
        let dir = try directory()
        let good = try write(Self.small, name: "good.json", in: dir)
        let bad = try write(#"{"name": "x", "duration": "5 sec", "cluster": {"frontends": 1}}"#, name: "bad.json", in: dir)
        let run = try simctl(["run", good, bad])
        #expect(run.status == 2)
        #expect(run.stdout.isEmpty, "something ran: \(run.stdout)")
        #expect(run.stderr.contains("duration: expected a duration"))
    }

    @Test("run --out with several files writes DIR/STEM for each")
    func runSeveralOut() throws {
        let dir = try directory()
        let a = try write(Self.small, name: "a.json", in: dir), b = try write(Self.small, name: "b.json", in: dir)
        let out = dir.appendingPathComponent("out").path
        let run = try simctl(["run", a, b, "--out", out])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(FileManager.default.fileExists(atPath: out + "/a/summary.json"))
        #expect(FileManager.default.fileExists(atPath: out + "/b/summary.json"))
    }

    @Test("validate FILE FILE: a line per file, exit 2 when one is invalid; --json one object per file")
    func validateSeveralFiles() throws {
        let dir = try directory()
        let good = try write(Self.small, name: "good.json", in: dir)
        let bad = try write(#"{"name": "x", "duration": "5s", "cluster": {"frontends": 1}, "faults": [{"at": "1s", "crash": "frontend-7"}]}"#,
                            name: "bad.json", in: dir)
        let text = try simctl(["validate", good, bad])
        #expect(text.status == 2)
        let out = lines(text.stdout)
        #expect(out.count == 2)
        #expect(out[0].hasPrefix(good + ": valid experiment 'small'"))
        #expect(out[1].hasPrefix(bad + ": invalid: 1 problem"))
        #expect(text.stderr.contains("faults[0].crash: unknown node"))
        #expect(try simctl(["validate", good, good]).status == 0)

        let json = try simctl(["validate", good, bad, "--json"])
        #expect(json.status == 2)
        let objects = try lines(json.stdout).map(jsonObject)
        #expect(objects.count == 2)
        #expect(objects[0]["valid"] as? Bool == true && objects[0]["clients"] as? Int == 3 && objects[0]["duration_ms"] as? Int == 2000)
        #expect(objects[1]["valid"] as? Bool == false)
        let issues = try #require(objects[1]["issues"] as? [[String: Any]])
        #expect(issues.first?["path"] as? String == "faults[0].crash")
    }

    // MARK: - --json on sweep and diff

    @Test("sweep --json prints one object (progress on standard error) with the failing seeds and how to reproduce them")
    func sweepJSON() throws {
        let passing = try simctl(["sweep", try write(Self.small), "--seeds", "1-2", "--jobs", "2", "--json"])
        #expect(passing.status == 0, "\(passing.stdout)\(passing.stderr)")
        let ok = try jsonObject(passing.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(ok["runs"] as? Int == 2 && ok["passed"] as? Int == 2 && ok["failed"] as? Int == 0)
        #expect(passing.stderr.contains("seed 2: PASS"))

        let failing = try simctl(["sweep", try write(Self.failing), "--seeds", "4", "--json"])
        #expect(failing.status == 1)
        let bad = try jsonObject(failing.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(bad["failed"] as? Int == 1)
        let first = try #require((bad["failing"] as? [[String: Any]])?.first)
        #expect(first["seed"] as? Int == 4 && first["result"] as? String == "FAIL")
        #expect((first["reproduce"] as? String)?.hasSuffix("--seed 4") == true)
    }

    @Test("diff --json prints one object: identical, with the trace hash and both runs")
    func diffJSON() throws {
        let diff = try simctl(["diff", try write(Self.small), "--seed", "5", "--json"])
        #expect(diff.status == 0, "\(diff.stdout)\(diff.stderr)")
        let object = try jsonObject(diff.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(object["result"] as? String == "identical")
        #expect((object["trace"] as? String)?.count == 16)
        #expect((object["runs"] as? [Any])?.count == 2)
    }

    @Test("diff --json on the planted Set iteration: divergent, with where and what; exit 1")
    func diffJSONDivergent() throws {
        let wide = #"{"name": "wide", "duration": "3s", "settle": "1s", "cluster": {"frontends": 8, "gateway": true, "chat": true}, "workload": {"clients": 10, "rampUp": "1s", "pushRate": "1/s"}}"#
        let diff = try ClusterSimTests.simctl(["diff", try write(wide), "--seed", "3", "--json"],
                                              environment: [PlantedBugs.environmentVariable: "iterate-set"])
        #expect(diff.status == 1, "\(diff.stdout)\(diff.stderr)")
        let object = try jsonObject(diff.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(object["result"] as? String == "divergent")
        let first = try #require((object["divergences"] as? [[String: Any]])?.first)
        #expect((first["at"] as? Int ?? 0) > 0)
        #expect(first["left"] is String && first["right"] is String)
    }

    // MARK: - Overrides

    @Test("--duration, --clients, --frontends and --set change the file before validation")
    func overridesChangeTheExperiment() throws {
        let file = try write(Self.small)
        let out = try simctl(["validate", file, "--json", "--duration", "7s", "--clients", "9", "--frontends", "3",
                              "--set", "cluster.chat=true", "--set", "faults[0]={\"at\":\"1s\",\"crash\":\"frontend-3\"}"])
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        let object = try jsonObject(out.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(object["duration_ms"] as? Int == 7000)
        #expect(object["clients"] as? Int == 9)
        #expect(object["faults"] as? Int == 1)
        // management, session, three frontends and the chat node.
        #expect(object["nodes"] as? Int == 6)

        let run = try simctl(["run", file, "--set", "workload.pushRate=3/s", "--clients", "4"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(lines(run.stdout).first == "overrides: workload.clients=4, workload.pushRate=3/s")
        #expect(run.stdout.contains("small: 2 frontends, 4 clients"))
    }

    @Test("a bad override is reported with its JSON path and exits 2, on run, validate, sweep and swarm", arguments: [
        (["--set", "workload.pushRate=fast"], "workload.pushRate: expected a rate"),
        (["--set", "faults[3].at=5s"], "faults[3]: --set faults[3].at"),
        (["--set", "nopath"], "--set expects PATH=VALUE"),
        (["--clients", "lots"], "workload.clients:"),
        (["--set", "cluster.chatt=true"], "did you mean \"chat\""),
    ])
    func badOverride(args: [String], message: String) throws {
        let file = try write(Self.small)
        for command in [["validate", file], ["run", file], ["sweep", file, "--seeds", "1-2"]] {
            let out = try simctl(command + args)
            #expect(out.status == 2, "\(command) \(args): \(out.stdout)\(out.stderr)")
            #expect(out.stderr.contains(message), "\(command) \(args): \(out.stderr)")
            #expect(!out.stdout.contains("result="), "\(command) ran: \(out.stdout)")
        }
    }

    @Test("swarm applies overrides to every drawn experiment, and rejects bad ones before running")
    func swarmOverrides() throws {
        let printed = try simctl(["swarm", "--print-experiment", "3", "--small", "--frontends", "4", "--set", "settle=20s"])
        #expect(printed.status == 0, "\(printed.stderr)")
        let experiment = try Experiment.parse(printed.stdout)
        #expect(experiment.cluster.frontends == 4)
        #expect(experiment.settle == .seconds(20))
        let bad = try simctl(["swarm", "--seeds", "1-3", "--small", "--set", "workload.pushRate=fast"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("workload.pushRate: expected a rate"))
    }

    @Test("sweep passes overrides to every run and to the reproduce line")
    func sweepOverrides() throws {
        let out = try simctl(["sweep", try write(Self.failing), "--seeds", "2", "--set", "workload.clients=2"])
        #expect(out.status == 1)
        #expect(out.stdout.contains("overrides: workload.clients=2"))
        #expect(out.stdout.contains("--seed 2 --set workload.clients=2"))
    }

    // MARK: - Seeds

    @Test("seeds up to 2^64-1 are used as given by run, sweep, diff and shrink")
    func largestSeed() throws {
        let file = try write(Self.small)
        let run = try simctl(["run", file, "--seed", Self.maxSeed])
        #expect(lines(run.stdout).last?.hasPrefix("result=PASS seed=\(Self.maxSeed) ") == true, "\(run.stdout)")
        let diff = try simctl(["diff", file, "--seed", Self.maxSeed, "--json"])
        #expect(diff.status == 0, "\(diff.stderr)")
        let object = try jsonObject(diff.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        let runs = try #require(object["runs"] as? [[String: Any]])
        #expect(runs.allSatisfy { ($0["summary"] as? String)?.contains("seed=\(Self.maxSeed) ") == true })
        let shrink = try simctl(["shrink", file, "--seed", Self.maxSeed, "--out", file + ".shrunk.json"])
        #expect(shrink.status == 1)
        #expect(shrink.stdout.contains("seed \(Self.maxSeed) passes every check"))
        let fromFile = try simctl(["diff", try write(Self.small.replacingOccurrences(of: #""name": "small","#, with: #""name": "small", "seed": \#(Self.maxSeed),"#)), "--json"])
        #expect(fromFile.stdout.contains("\"seed\":\(Self.maxSeed)"), "\(fromFile.stdout)")
        let sweep = try simctl(["sweep", file, "--seeds", "18446744073709551614-\(Self.maxSeed)", "--json"])
        #expect(sweep.status == 0, "\(sweep.stderr)")
        let tooBig = try simctl(["diff", file, "--seed", "18446744073709551616"])
        #expect(tooBig.status == 2 && tooBig.stderr.contains("expects a seed from 0 to \(Self.maxSeed)"))
    }

    // MARK: - Output paths

    @Test("run --out onto an existing file fails at once, before the run; shrink --out onto a directory too")
    func outputCheckedFirst() throws {
        let dir = try directory()
        let file = try write(Self.small, in: dir)
        let existing = try write("keep me", name: "existing.txt", in: dir)
        let run = try simctl(["run", file, "--out", existing])
        #expect(run.status == 2)
        #expect(run.stdout.isEmpty, "the run ran: \(run.stdout)")
        #expect(run.stderr.contains("'\(existing)' exists and is a file"))
        #expect(try String(contentsOfFile: existing, encoding: .utf8) == "keep me")
        let under = try simctl(["run", file, "--out", existing + "/sub"])
        #expect(under.status == 2 && under.stderr.contains("is a file"), "\(under.stderr)")
        let shrink = try simctl(["shrink", file, "--out", dir.path])
        #expect(shrink.status == 2)
        #expect(shrink.stderr.contains("is a directory; give a file name"))
        #expect(!shrink.stdout.contains("passes every check"), "shrink ran first: \(shrink.stdout)")
        let swarm = try simctl(["swarm", "--seeds", "1", "--small", "--out", existing])
        #expect(swarm.status == 2 && swarm.stderr.contains("exists and is a file"))
    }

    // MARK: - TCP progress

    @Test("run --transport tcp reports progress on standard error; standard output keeps its last line")
    func tcpProgress() throws {
        let file = try write(#"{"name": "tcp-small", "duration": "1s", "settle": "1s", "cluster": {"frontends": 1}, "workload": {"clients": 2, "rampUp": "200ms"}}"#)
        let run = try simctl(["run", file, "--transport", "tcp"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stderr.contains("tcp: running 'tcp-small' in real time: 1s of load and faults, then 1s to settle"))
        #expect(run.stderr.contains("tcp: run finished after"))
        #expect(!run.stdout.contains("tcp: "))
        let last = lines(run.stdout).last ?? ""
        #expect(last.range(of: #"^result=PASS seed=1 events=\d+ trace=[0-9a-f]{16}$"#, options: .regularExpression) != nil, "\(last)")
    }

    // MARK: - Mistakes

    @Test("did you mean: a near command name, a near option; help UNKNOWN exits 2")
    func didYouMean() throws {
        let command = try simctl(["rn", "x.json"])
        #expect(command.status == 2 && command.stderr.contains("unknown command 'rn'; did you mean 'run'?"))
        let option = try simctl(["run", try write(Self.small), "--sed", "3"])
        #expect(option.status == 2 && option.stderr.contains("unknown option '--sed'; did you mean '--seed'?"))
        let sweep = try simctl(["sweep", "x.json", "--job", "2"])
        #expect(sweep.stderr.contains("did you mean '--jobs'?"))
        let help = try simctl(["help", "nosuch"])
        #expect(help.status == 2 && help.stderr.contains("help: unknown command 'nosuch'"))
        let near = try simctl(["help", "swarn"])
        #expect(near.status == 2 && near.stderr.contains("did you mean 'swarm'?"))
        let known = try simctl(["help", "sweep"])
        #expect(known.status == 0 && known.stdout.hasPrefix("USAGE: simctl sweep"))
        let flow = try simctl(["explain", "failovr"])
        #expect(flow.status == 2 && flow.stderr.contains("did you mean 'failover'?"))
    }

    @Test("explain --list names every flow, the failure paths included, each followed by its title")
    func explainList() throws {
        let list = try simctl(["explain", "--list"])
        #expect(list.status == 0)
        let out = lines(list.stdout)
        for flow in FlowKind.allCases {
            #expect(out.contains { $0.hasPrefix(flow.rawValue + " ") && $0.hasSuffix(flow.title) }, "\(flow.rawValue) in \(out)")
        }
        for name in ["session-restart", "management-restart", "removal-fencing", "partition", "token-refusal", "chat-join"] {
            #expect(out.contains { $0.hasPrefix(name + " ") })
        }
        let check = try simctl(["explain", "--write-docs", Self.guide, "--check"])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        let missing = try simctl(["explain", "--write-docs", "/no/such/guide.md"])
        #expect(missing.status == 2 && missing.stderr.contains("there is no such file"))
    }

    static let guide = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/guide.md").path

    @Test("file errors in plain words: a directory, a missing file, an unreadable file", arguments: ["run", "validate", "sweep", "diff", "shrink"])
    func fileErrors(command: String) throws {
        let dir = try directory()
        let extra = command == "sweep" ? ["--seeds", "1"] : []
        let directory = try simctl([command, dir.path] + extra)
        #expect(directory.status == 2)
        #expect(directory.stderr.contains("it is a directory, not a file"), "\(directory.stderr)")
        #expect(!directory.stderr.contains("NSCocoaErrorDomain"))
        let missing = try simctl([command, dir.path + "/nope.json"] + extra)
        #expect(missing.status == 2 && missing.stderr.contains("there is no such file"), "\(missing.stderr)")
        if getuid() != 0 {  // root reads any file
            let locked = try write(Self.small, in: dir)
            chmod(locked, 0)
            let unreadable = try simctl([command, locked] + extra)
            #expect(unreadable.status == 2 && unreadable.stderr.contains("permission denied"), "\(unreadable.stderr)")
        }
    }

    @Test("the exit status is the same for the same kind of outcome across commands")
    func exitStatuses() throws {
        let good = try write(Self.small), strict = try write(Self.failing)
        // 0: passed.
        #expect(try simctl(["run", good]).status == 0)
        #expect(try simctl(["sweep", good, "--seeds", "1"]).status == 0)
        // 1: a check failed.
        #expect(try simctl(["run", strict]).status == 1)
        #expect(try simctl(["sweep", strict, "--seeds", "1"]).status == 1)
        // 2: bad arguments or file, for every command that reads one.
        for command in ["run", "validate", "sweep", "diff", "shrink"] {
            #expect(try simctl([command, good, "--no-such-option"]).status == 2, "\(command)")
        }
        // Every help text documents its statuses.
        for command in ["run", "validate", "sweep", "diff", "shrink", "swarm", "explain"] {
            #expect(try simctl([command, "--help"]).stdout.contains("Exit status:"), "\(command)")
        }
        #expect(try simctl(["--help"]).stdout.contains("3 the tool could not finish"))
    }
}

@Suite("The docs: how to get simctl, and one form for its commands")
struct SimctlDocsFormTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("README says how to put simctl on PATH; every doc writes 'simctl …', not 'swift run simctl' or a .build path")
    func oneForm() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains("swift build -c release --product simctl"))
        #expect(readme.contains(#"export PATH="$PWD/.build/release:$PATH""#))
        let docs = Self.root.appendingPathComponent("docs")
        let files = try FileManager.default.contentsOfDirectory(atPath: docs.path).filter { $0.hasSuffix(".md") }.sorted()
        #expect(files.contains("guide.md"))
        let pattern = #"swift run (-c release )?simctl|\.build/[A-Za-z0-9_.-]+/simctl|show-bin-path\)/simctl"#
        var offending: [String] = []
        for (name, url) in [("README.md", Self.root.appendingPathComponent("README.md"))] + files.map({ ($0, docs.appendingPathComponent($0)) }) {
            for (n, line) in try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where line.range(of: pattern, options: .regularExpression) != nil {
                // Allowed: the README's one sentence on the alternatives, and a measured command quoted as run.
                if name == "README.md" && (line.contains("Without them") || line.contains("run the same tool")) { continue }
                if line.contains("farm-bench") || line.contains("Experiments/11-mixed-1000.json\" --") { continue }
                offending.append("\(name):\(n + 1): \(line)")
            }
        }
        #expect(offending.isEmpty, "write 'simctl …' (README explains PATH): \(offending)")
    }
}

@Suite("ExperimentOverride: PATH=VALUE applied to the JSON")
struct ExperimentOverrideTests {
    static let base = #"{"name": "o", "duration": "5s", "cluster": {"frontends": 1}, "faults": [{"at": "1s", "crash": "frontend-1"}]}"#

    @Test("values are JSON when they read as JSON, strings otherwise; missing objects are made")
    func values() throws {
        let e = try Experiment.parse(Array(Self.base.utf8), overrides: [
            try ExperimentOverride(parsing: "workload.pushRate=2/s"), try ExperimentOverride(parsing: "cluster.chat=true"),
            try ExperimentOverride(parsing: "faults[0].at=3s"), try ExperimentOverride(parsing: "seed=18446744073709551615"),
            try ExperimentOverride(parsing: "name=\"with = sign\""),
        ])
        #expect(e.workload.pushRate == Rate(perSecond: 2))
        #expect(e.cluster.chat)
        #expect(e.faults[0].at == .seconds(3))
        #expect(e.seed == UInt64.max)
        #expect(e.name == "with = sign")
    }

    @Test("a path that does not fit the document names where", arguments: [
        ("faults[2].at=1s", "faults[2]"), ("name.first=x", "name"), ("cluster[0]=1", "cluster"),
    ])
    func misfit(text: String, path: String) throws {
        let error = try #require(throws: ExperimentError.self) {
            try Experiment.parse(Array(Self.base.utf8), overrides: [try ExperimentOverride(parsing: text)])
        }
        #expect(error.issues.first?.path == path, "\(error)")
    }

    @Test("malformed paths are refused", arguments: ["=1", "a..b=1", "a[x]=1", "a[-1]=1", ".a=1", "a b=1"])
    func malformed(text: String) {
        #expect(throws: ExperimentError.self) { try ExperimentOverride(parsing: text) }
    }

    @Test("applying overrides to an experiment reads it back as a file")
    func applying() throws {
        let e = try Experiment.parse(Self.base)
        #expect(try e.applying([]) == e)
        #expect(try e.applying([try ExperimentOverride(path: "cluster.frontends", value: "3")]).cluster.frontends == 3)
    }
}
