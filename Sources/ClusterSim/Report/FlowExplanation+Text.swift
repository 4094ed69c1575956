extension FlowExplanation {
    /// The hand-written part of an explanation: what happens and which types and files do it.
    /// (The diagram next to it is drawn from a run.)
    static func explanation(_ flow: FlowKind) -> String {
        switch flow {
        case .registration:
            """
            Every server node starts blocked (the seed's "service blocker"): ManagementLink.isServing is false \
            and it serves nothing. It sends Register(address, version) to management-1 until accepted. The \
            ManagementNode (Sources/Nodes/Servers/ManagementNode.swift) asks its Registry \
            (Sources/Nodes/State/Registry.swift), which checks the version and the address's uniqueness, \
            answers RegisterAccepted(epoch, config) and sends a Notice to every other node. Registered nodes \
            then Ping(epoch) every pingInterval; the Pong says whether the manager still knows them \
            (ManagementLink, Sources/Nodes/Servers/ManagementLink.swift). Messages: ClusterMessage \
            (Sources/Nodes/Protocol/ClusterMessage.swift); trace vocabulary: NodeLog.

            """
        case .login:
            """
            The Init service of a frontend (FrontendNode+Requests.swift) answers Login(user, password) with a \
            JWT signed HS256 by TokenSigner (Sources/Nodes/Auth/JWT.swift), valid for tokenLifetime. The \
            client (ClientNode, Sources/Nodes/Client/ClientNode.swift) keeps the token and sends it with \
            every later request; a request without a valid token is refused and its handler never runs.

            """
        case .pushStream:
            """
            After login the client opens one long-lived stream to a frontend (Transport.openStream, \
            Sources/NetModel/Transport.swift) and sends PushOpen(token). FrontendNode+Push.swift (openPush) \
            verifies the token, answers PushOpened with a renewed token whose push claim names itself, and \
            tells the session node with the backend call SessionLogin(user, frontend, connection), which \
            SessionNode (Sources/Nodes/Servers/SessionNode.swift) records in its SessionTable \
            (Sources/Nodes/State/SessionTable.swift).

            """
        case .push:
            """
            MessageUser at any frontend becomes the backend call PushTo at the session node, which numbers \
            the push per user in its PushOutbox (Sources/Nodes/State/PushOutbox.swift) and sends Deliver to \
            the frontend holding the user's stream — the seed's "backend host" (FrontendNode+Push.swift). \
            The frontend writes Push on the stream; the client (PushInbox, Sources/Nodes/State/PushInbox.swift) \
            delivers in order, drops duplicates and acknowledges (PushAck), and the ack travels back to the \
            outbox as PushAckCall. Here sender and receiver share one frontend.

            """
        case .pushRouting:
            """
            The same push path when the receiver's stream is on another frontend: the frontend that took \
            MessageUser does not know where the user is; the session node's SessionTable does, and sends \
            Deliver to that frontend's backend host. Every backend call carries the cluster's group id \
            (ClusterMessage.backend(group:_:), checked by ClusterNode.admits in \
            Sources/Nodes/Servers/ClusterNode.swift).

            """
        case .failover:
            """
            A crashed frontend loses its memory and its streams (SimNetwork.crash, \
            Sources/NetModel/SimNetwork+Faults.swift). Its clients see the stream close and reconnect to the \
            next frontend of their list with exponential back-off and jitter (ClientNode); the new frontend \
            reports SessionLogin and the session node resends what was not acknowledged (PushOutbox). The \
            manager notices the silence after pingTimeout (Registry), removes the node, sends Notice to the \
            others (the session node then drops the dead frontend's users) and Stop to the dead node — lost, \
            since it is down. Checked by registry-converges, session-map-converges and liveness \
            (Sources/ClusterSim/Checks/); measured as detection_ms and failover_ms (RunMetrics).

            """
        case .duplicateLogin:
            """
            The same user logs in again and opens a second stream. The session node's SessionTable keeps the \
            last login and answers the older connection with KickStream; that frontend closes the old stream \
            (Kicked) and reports SessionLogout for the old connection id, which removes nothing newer: \
            removal is by (user, connection id), which fixes the seed's race. Checked by single-session \
            (SingleSessionChecker, Sources/ClusterSim/Checks/SingleSessionChecker.swift).

            """
        case .backendAuth:
            """
            A backend call carries the group id in its header: ClusterMessage.backend(group:_:). The receiving \
            node checks it before anything else (ClusterNode.admits, Sources/Nodes/Servers/ClusterNode.swift); \
            a wrong one is logged as backend-rejected and its handler is not run (the seed logged it and ran it \
            anyway). Below, an attacking client's call with a wrong group id, then a frontend's legitimate \
            SessionLogin. Checked by backend-auth (BackendAuthChecker).

            """
        case .gateway:
            """
            With a gateway (seed 001) clients send their requests to gateway-1 (GatewayNode, \
            Sources/Nodes/Servers/GatewayNode.swift), which keeps one reused stream per live frontend and \
            forwards each request round-robin, naming the client as its origin; the reply comes back the \
            same way. It stops routing to a frontend when its stream breaks or management removes it.

            """
        case .chat:
            """
            A chat command goes to a frontend as a request (ChatCommand) and on to the chat node as ChatCall. \
            ChatNode (Sources/Nodes/Servers/ChatNode.swift) applies it to ChatRooms \
            (Sources/Nodes/Chat/ChatRooms.swift), whose effects (a line, the exact system messages of the chat \
            protocol) go to every other member present as pushes through the session node, so members on \
            different frontends share the room. Checked by chat-delivery (ChatDeliveryChecker).

            """
        }
    }
}
