import NetModel
import Nodes

/// Reads a node actor's state on its own serial executor thread, waiting for the answer: the
/// real runtime's `NodeInspector`. Never call it from a node executor's thread.
struct RealInspector: NodeInspector {
    func inspect<N: ClusterNode, T>(_ node: N, _ body: (isolated N) -> T) -> T {
        guard let env = node.env as? RealNodeEnvironment else {
            preconditionFailure("RealInspector used on \(node.env.name), which does not run on the real runtime")
        }
        return withoutActuallyEscaping(body) { body -> T in
            nonisolated(unsafe) let body = body
            let box = ResultBox<T>()
            _ = env.mailbox.executor.sync { node.assumeIsolated { box.value = body($0) } }
            return box.value!
        }
    }
}

/// A result handed from one thread to a waiting one (the wait orders the accesses).
private final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}
