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
            The Init service of a frontend (FrontendCore+Requests.swift) answers Login(user, password) with a \
            JWT signed HS256 by TokenSigner (Sources/Nodes/Auth/JWT.swift), valid for tokenLifetime. The \
            client (ClientNode, Sources/Nodes/Client/ClientNode.swift) keeps the token and sends it with \
            every later request; a request without a valid token is refused and its handler never runs.

            """
        case .pushStream:
            """
            After login the client opens one long-lived stream to a frontend (Transport.openStream, \
            Sources/NetModel/Transport.swift) and sends PushOpen(token). FrontendCore+Streams.swift (openPush) \
            verifies the token, answers PushOpened with a renewed token whose push claim names itself, and \
            tells the session node with the backend call SessionLogin(user, frontend, connection), which \
            SessionNode (Sources/Nodes/Servers/SessionNode.swift) records in its SessionTable \
            (Sources/Nodes/State/SessionTable.swift).

            """
        case .push:
            """
            MessageUser at any frontend becomes the backend call PushTo at the session node, which numbers \
            the push per user in its PushOutbox (Sources/Nodes/State/PushOutbox.swift) and sends Deliver to \
            the frontend holding the user's stream — the seed's "backend host" (FrontendCore+Cluster.swift). \
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
        case .chatJoin:
            """
            Joining a room is a ChatCommand (join) like any other. ChatRooms answers with the chat protocol's \
            system messages, the seed's exact Korean texts: to the joiner "방제[TITLE] 방에 입장했습니다." \
            ("you entered the room TITLE"), to every earlier member "[NAME] 님이 입장했습니다." ("NAME has \
            entered"); leaving gives "[NAME] 님이 퇴장했습니다." ("NAME has left") and "방제[TITLE] 대화 방에서 \
            퇴장했습니다." ("you left the room TITLE"), and a room that does not exist "대화방이 존재하지 \
            않습니다.". Each goes out as a push through the session node (one push call per distinct text); \
            the client logs it as chat-system (ClientNode+Workload.swift).

            """
        case .sessionRestart:
            """
            A crashed session node loses its SessionTable and its PushOutbox; calls sent to it meanwhile are \
            dropped, and the frontends retry them. Restarted, it is blocked (service blocker) until \
            management-1 accepts its Register; then it sends ResyncRequest to every frontend, and again every \
            500 ms until each answers. Each frontend answers SessionResync with every push stream it holds \
            (FrontendCore+Cluster.swift), and the table is rebuilt from them (SessionTable.resync). Requests run \
            again once it serves. Experiment 05 teaches it; checked by session-map-converges and push-delivery.

            """
        case .managementRestart:
            """
            A crashed manager loses its Registry: it restarts knowing no node. The nodes keep serving (a \
            manager's silence fences no one). Their next Ping is answered with a Pong saying "unknown"; \
            ManagementLink (Sources/Nodes/Servers/ManagementLink.swift) then registers again — Register, \
            RegisterAccepted with a new epoch, a Notice to the others. Experiment 06 teaches it; checked by \
            registry-converges.

            """
        case .removalFencing:
            """
            A node that is silent for pingTimeout (here: paused) is removed by the manager's Registry \
            (node-removed reason=pingTimeout): a Notice tells the others (the session node drops its users) \
            and Stop goes to the node. A paused node hears it when it wakes: ManagementLink enters the fenced \
            state, the node ends its streams and serves nothing more, and the process exits; a restart \
            registers as a new epoch. The detection gap — last ping heard to removal — is pingTimeout plus up \
            to one check period; it shows as the time between the steps below.

            """
        case .partition:
            """
            A partition drops every message between its groups (SimNetwork, reason partition). A frontend cut \
            off from management-1 cannot ping: after pingTimeout it is removed, and the Stop sent to it is \
            dropped too, so it never learns; the session node's requests to it are lost as well. When the \
            partition heals its next Ping is answered "unknown", and it registers again with a new epoch. \
            Experiment 07 teaches it (with a one-way partition); checked by registry-converges, \
            session-map-converges and liveness.

            """
        case .tokenRefusal:
            """
            A frontend checks a request's JWT before anything else (TokenSigner.verify, \
            Sources/Nodes/Auth/JWT.swift): the HS256 signature over header and claims, then exp against its own \
            clock with a leeway. A forged token keeps a real signature but rewrites the claims (sub: another \
            user, exp far away), so the signature no longer matches: refused bad-token. A replayed old token \
            has a valid signature but exp in the past: refused expired-token. Either way the handler never \
            runs (FrontendCore+Requests.swift). The attacker's notes show the claims as decoded from the \
            token it sent (ClientNode+Attacks.swift). Experiment 09 teaches it; checked by client-auth.

            """
        }
    }
}
