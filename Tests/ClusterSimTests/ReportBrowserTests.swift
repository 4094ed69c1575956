import Foundation
import Testing
@testable import ClusterSim

/// Debian's `chromium`, when installed (`.ci/run` installs it).
let chromiumPath: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
    FileManager.default.isExecutableFile(atPath: $0)
}

/// A failing run (the planted stale-logout bug) and a passing one, their reports rendered.
private func plantedRun() throws -> RunReport {
    let experiment = try Experiment.load(path: plantedFixture)
    let (run, result) = RunResult.simulate(experiment, retention: .everything) { var bugs = PlantedBugs(); bugs.sessionIgnoresConnection = true; $0.plantedBugs = bugs }
    return RunReport(run: run, result: result)
}

/// Loads `html` in headless Chromium with a probe: a first script that records every console
/// error and uncaught exception, and a last one that measures each failing check's linked
/// counterexample diagram. Returns the DOM after load (`--dump-dom`).
func renderInChromium(_ html: String) throws -> String {
    let probeHead = """
    <script>
    //<![CDATA[
    window.__errors = [];
    (function () {
      var original = console.error;
      console.error = function () { window.__errors.push(Array.prototype.join.call(arguments, ' ')); original.apply(console, arguments); };
      window.addEventListener('error', function (e) { window.__errors.push('uncaught: ' + e.message); });
    })();
    //]]>
    </script>

    """
    let probeTail = """
    <script>
    //<![CDATA[
    (function () {
      var out = document.createElement('div');
      out.id = 'probe';
      var links = document.querySelectorAll('a.cx-link');
      for (var i = 0; i !== links.length; i += 1) {
        var id = links[i].getAttribute('href').slice(1);
        var target = document.getElementById(id);
        var svg = target ? target.querySelector('svg.seq') : null;
        var box = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
        var p = document.createElement('p');
        p.className = 'rendered';
        p.setAttribute('data-target', id);
        p.setAttribute('data-size', Math.round(box.width) + 'x' + Math.round(box.height));
        out.appendChild(p);
      }
      if (typeof followNode === 'function') {
        followNode('session-1');
        var arrows = document.querySelectorAll('#flow [data-n]');
        var kept = 0;
        for (var k = 0; k !== arrows.length; k += 1) { if (arrows[k].style.opacity === '1') { kept += 1; } }
        out.setAttribute('data-follow', kept + '/' + arrows.length);
        followNode('');
      }
      for (var j = 0; j !== window.__errors.length; j += 1) {
        var e = document.createElement('p');
        e.className = 'console-error';
        e.textContent = window.__errors[j];
        out.appendChild(e);
      }
      document.body.appendChild(out);
    })();
    //]]>
    </script>

    """
    let page = html.replacingOccurrences(of: "<head>\n", with: "<head>\n" + probeHead)
        .replacingOccurrences(of: "</body>", with: probeTail + "</body>")
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("report-browser-\(UInt64.random(in: 0...UInt64.max))")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("report.html")
    try page.write(to: file, atomically: true, encoding: .utf8)
    let run = try runProcess(URL(fileURLWithPath: chromiumPath!),
                             ["--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + dir.appendingPathComponent("profile").path,
                              "--window-size=1400,900", "--virtual-time-budget=2000", "--dump-dom", file.absoluteString])
    #expect(run.status == 0, "chromium failed: \(run.stderr.suffix(2_000))")
    return run.stdout
}

@Suite("report.html in a real browser", .enabled(if: chromiumPath != nil,
                                                 "chromium is not installed: apt-get install -y chromium (.ci/run installs it)"))
struct ReportBrowserTests {
    @Test("a failing run: no console error, every failing check links to a rendered counterexample diagram")
    func failingRun() throws {
        let report = try plantedRun()
        let failed = report.checks.filter { !$0.passed }.map(\.name)
        #expect(failed.contains("push-delivery") && failed.contains("session-map-converges"), "\(failed)")
        let dom = try renderInChromium(report.html())
        #expect(dom.contains("id=\"probe\""), "the probe script ran")
        #expect(!dom.contains("class=\"console-error\""), "console errors: \(dom.components(separatedBy: "class=\"console-error\"").dropFirst().map { String($0.prefix(200)) })")
        for name in failed {
            let anchor = RunReport.counterexampleAnchor(name)
            let pattern = "data-target=\"\(anchor)\" data-size=\""
            let size = dom.components(separatedBy: pattern).dropFirst().first.map { String($0.prefix { $0 != "\"" }) }
            let parts = (size ?? "0x0").split(separator: "x").compactMap { Int($0) }
            #expect(parts.count == 2 && parts[0] > 200 && parts[1] > 100, "\(name): counterexample diagram rendered at \(size ?? "nothing")")
        }
        #expect(dom.contains(RunReport.escape(report.verdict)))
        // Following session-1 keeps its arrows and dims the others.
        let follow = dom.components(separatedBy: "data-follow=\"").dropFirst().first.map { String($0.prefix { $0 != "\"" }) } ?? ""
        let counts = follow.split(separator: "/").compactMap { Int($0) }
        #expect(counts.count == 2 && counts[0] > 0 && counts[0] < counts[1], "followed \(follow)")
    }

    @Test("a passing run: no console error, no counterexample section")
    func passingRun() throws {
        let (run, result) = RunResult.simulate(try Experiment.load(path: plantedFixture), retention: .everything)
        #expect(result.passed)
        let dom = try renderInChromium(RunReport(run: run, result: result).html())
        #expect(dom.contains("id=\"probe\""))
        #expect(!dom.contains("class=\"console-error\""))
        #expect(!dom.contains("id=\"counterexamples\""))
        #expect(dom.contains("All 12 checks passed") || dom.contains("checks passed"))
    }

    @Test("a console error is caught (the probe can fail)")
    func probeSeesErrors() throws {
        let dom = try renderInChromium("<!DOCTYPE html>\n<html>\n<head>\n<title>x</title></head><body><script>null.boom();</script></body></html>")
        #expect(dom.contains("class=\"console-error\""))
    }
}
