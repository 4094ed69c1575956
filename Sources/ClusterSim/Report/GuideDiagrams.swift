/// The generated diagrams of a Markdown document (docs/guide.md): each sits between
/// `<!-- explain:FLOW -->` and `<!-- /explain:FLOW -->` and is what `simctl explain FLOW`
/// produces: the explanation, then the Mermaid text in a ` ```mermaid ` block.
package enum GuideDiagrams {
    /// A document with its diagrams regenerated.
    package struct Update: Sendable {
        /// The new text.
        package var text: String
        /// The flows found between markers, in document order.
        package var flows: [FlowKind]
    }

    /// A marker that names no flow, or a block that is never closed.
    package struct MarkerError: Error, CustomStringConvertible {
        /// What is wrong, with the line number.
        package let description: String
    }

    /// The block that goes between the markers of a flow.
    /// - Returns: the explanation, a blank line and a fenced Mermaid block, ending with a newline.
    package static func block(for explanation: FlowExplanation) -> String {
        explanation.text + "\n```mermaid\n" + explanation.diagram.mermaid + "```\n"
    }

    /// Replaces the content between every pair of markers by the diagram a run produces now.
    /// - Returns: the new text (identical to `text` when every diagram is up to date).
    package static func regenerate(_ text: String) throws(MarkerError) -> Update {
        try regenerate(text, block: runBlock)
    }

    private static func runBlock(_ flow: FlowKind) throws(MarkerError) -> String {
        do {
            return block(for: try FlowExplanation.run(flow))
        } catch {
            throw MarkerError(description: error.description)
        }
    }

    /// Replaces the content between every pair of markers by `block(flow)`.
    /// - Returns: the new text and the flows found.
    package static func regenerate(_ text: String,
                                  block: (FlowKind) throws(MarkerError) -> String) throws(MarkerError) -> Update {
        var out: [Substring] = []
        var flows: [FlowKind] = []
        var open: (flow: FlowKind, line: Int)?
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (n, line) in lines.enumerated() {
            let trimmed = line.trimmingSpaces
            if let name = marker(trimmed, prefix: "<!-- explain:") {
                guard open == nil else { throw MarkerError(description: "line \(n + 1): marker inside the block of '\(open!.flow.rawValue)'") }
                guard let flow = FlowKind(rawValue: name) else {
                    throw MarkerError(description: "line \(n + 1): unknown flow '\(name)' in a marker")
                }
                out.append(line)
                var content = try block(flow)
                if content.hasSuffix("\n") { content.removeLast() }
                out.append(Substring(content))
                open = (flow, n + 1)
                flows.append(flow)
            } else if let name = marker(trimmed, prefix: "<!-- /explain:") {
                guard let o = open, o.flow.rawValue == name else {
                    throw MarkerError(description: "line \(n + 1): closing marker for '\(name)' without its opening marker")
                }
                out.append(line)
                open = nil
            } else if open == nil {
                out.append(line)
            }
        }
        if let o = open {
            throw MarkerError(description: "line \(o.line): the block of '\(o.flow.rawValue)' is never closed")
        }
        return Update(text: out.joined(separator: "\n"), flows: flows)
    }

    private static func marker(_ line: Substring, prefix: String) -> String? {
        guard line.hasPrefix(prefix), line.hasSuffix("-->") else { return nil }
        return String(line.dropFirst(prefix.count).dropLast(3)).trimmingSpaces.description
    }
}

extension StringProtocol {
    fileprivate var trimmingSpaces: Substring {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s = s.dropLast() }
        return s
    }
}
