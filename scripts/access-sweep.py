#!/usr/bin/env python3
"""Narrows the library modules' access to the documented public surface (docs/api.md).

Every `public` declaration of NetModel, Nodes and ClusterSim becomes `package` (visible to the
package's own targets: simctl and the tests), except:
- in PUBLIC_FILES, whose top-level declarations stay public unless listed in NARROW;
- top-level declarations of other files listed in KEEP (with their members);
- members listed in MEMBER_NARROW become package even inside a public declaration.
A top-level declaration's members follow it. Run from the repository root; idempotent."""
import os, re, sys

PUBLIC_FILES = [
    # NetModel: names, time, trace details, the network model an experiment describes, and what
    # their inlinable code uses (cross-module inlining needs public or @usableFromInline).
    "Sources/NetModel/NodeName.swift", "Sources/NetModel/VirtualTime.swift", "Sources/NetModel/TraceDetail.swift",
    "Sources/NetModel/LatencyDistribution.swift", "Sources/NetModel/LinkConditions.swift",
    "Sources/NetModel/SeededRandom.swift", "Sources/NetModel/Transport.swift", "Sources/NetModel/EndpointTable.swift",
    "Sources/NetModel/FNV1a64.swift",
    # The simulated network stays public for speed: `package` declarations are left out of the
    # release build's cross-module optimization, so SimNetwork<ClusterMessage> was no longer
    # specialized in ClusterSim and every delivery instantiated generic metadata at run time
    # (11-mixed-1000: 6.22 G instructions before the sweep, 9.17 G after it; docs/api.md).
    "Sources/NetModel/SimNetwork.swift", "Sources/NetModel/SimNetwork+Faults.swift", "Sources/NetModel/SimNetwork+Handle.swift",
    "Sources/NetModel/SimNetwork+Messages.swift", "Sources/NetModel/SimNetwork+Streams.swift",
    "Sources/NetModel/SimScheduling.swift", "Sources/NetModel/SlotPool.swift", "Sources/NetModel/Partition.swift",
    # Nodes: the service API and the contracts a service and a test see.
    "Sources/Nodes/Services/", "Sources/Nodes/Protocol/Refusal.swift", "Sources/Nodes/Protocol/RequestKey.swift",
    "Sources/Nodes/Protocol/Requests.swift", "Sources/Nodes/Protocol/NodeLog.swift",
    "Sources/Nodes/Protocol/NodeLog+Requests.swift", "Sources/Nodes/Auth/JWT.swift",
    # ClusterSim: the experiment model, results and checks, the trace, the test API.
    "Sources/ClusterSim/Experiment/", "Sources/ClusterSim/Runtime/RunResult.swift", "Sources/ClusterSim/Testing/",
    "Sources/ClusterSim/Trace/TraceEvent.swift", "Sources/ClusterSim/Checks/RunRecord.swift",
    "Sources/ClusterSim/Trace/TraceRetention.swift", "Sources/ClusterSim/Checks/Counterexample.swift",
]
# Top-level declarations of public files that are not part of the surface: (file, regex).
NARROW = [
    ("Sources/Nodes/Protocol/Requests.swift", r"enum BackendCall|struct ResyncEntry|enum ClientService"),
    ("Sources/ClusterSim/Checks/RunRecord.swift", r"struct RunRecord|extension RunRecord|enum Checkers|extension Checkers|protocol Checker\b|extension Checker\b"),
]
# Top-level declarations of other files that are part of the surface: (file, regex).
KEEP = [
    ("Sources/NetModel/SimScheduling.swift", r"enum TraceKind"),
    ("Sources/ClusterSim/Runtime/ClusterRun.swift", r"class ClusterRun|struct PlantedBugs"),
]
# Members narrowed inside public declarations: (file, regex).
MEMBER_NARROW = [
    ("Sources/ClusterSim/Runtime/ClusterRun.swift", r"public let simulator|public func run\(\)"),
    ("Sources/ClusterSim/Runtime/RunResult.swift", r"public static func evaluate"),
]

DECL = re.compile(r"^(\s*(?:@[\w]+(?:\([^)]*\))?\s+)*)public(\s+)")
TOP = re.compile(r"^(?:@[\w]+(?:\([^)]*\))?\s+)*(?:public |package |private |fileprivate |internal )?(?:final |indirect )?"
                 r"(?:struct|enum|class|actor|protocol|extension|func|let|var|typealias)\b")

def matches(rules, path, line):
    return any((path == f or (f.endswith("/") and path.startswith(f))) and re.search(rx, line) for f, rx in rules)

def in_public_file(path):
    return any(path == p or (p.endswith("/") and path.startswith(p)) for p in PUBLIC_FILES)

changed = 0
for module in ["NetModel", "Nodes", "ClusterSim"]:
    for root, _, files in os.walk(f"Sources/{module}"):
        for name in sorted(files):
            if not name.endswith(".swift"):
                continue
            path = os.path.join(root, name)
            public_file = in_public_file(path)
            block_public = public_file
            out = []
            for line in open(path).read().split("\n"):
                if TOP.match(line):
                    block_public = (public_file and not matches(NARROW, path, line)) or matches(KEEP, path, line)
                m = DECL.match(line)
                if m and (not block_public or matches(MEMBER_NARROW, path, line)):
                    line = m.group(1) + "package" + m.group(2) + line[m.end():]
                    changed += 1
                out.append(line)
            open(path, "w").write("\n".join(out))
print(f"{changed} declarations narrowed to package", file=sys.stderr)
