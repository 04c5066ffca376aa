import Testing

@testable import SecureChatTLS

/// The handler's state machine as sequences of event → action, one line per step.
@Suite struct TLSHandlerStateMachineTests {
    @Test func handshakeDataAndOrderlyClose() {
        var machine = TLSHandlerStateMachine()
        #expect(machine.writeRequested() == .buffer)
        #expect(machine.flushRequested() == .markFlush)
        #expect(machine.channelActive() == .startHandshake)
        #expect(machine.bytesReceived() == .continueHandshake)
        #expect(machine.handshakeCompleted() == .completeHandshake)
        #expect(machine.bytesReceived() == .readPlaintext)
        #expect(machine.writeRequested() == .buffer)
        #expect(machine.flushRequested() == .flushPlaintext)
        #expect(machine.handshakeTimedOut() == .none)
        #expect(machine.closeRequested() == .sendCloseNotifyAndClose)
        #expect(machine.state == .closing)
        #expect(machine.writeRequested() == .fail(.channelClosed))
        #expect(machine.flushRequested() == .none)
        #expect(machine.bytesReceived() == .discardBytes)
        #expect(machine.closeNotifyReceived() == .none)
        #expect(machine.channelInactive() == .fireInactive)
        #expect(machine.state == .closed)
    }

    @Test func peerSendsCloseNotify() {
        var machine = makeActive()
        #expect(machine.closeNotifyReceived() == .sendCloseNotifyAndClose)
        #expect(machine.closeRequested() == .forwardClose)
        #expect(machine.channelInactive() == .fireInactive)
    }

    @Test func peerClosesWithoutCloseNotify() {
        var machine = makeActive()
        #expect(machine.channelInactive() == .fireErrorAndInactive(.uncleanShutdown))
        #expect(machine.state == .closed)
    }

    @Test func peerClosesDuringHandshake() {
        var machine = TLSHandlerStateMachine()
        #expect(machine.channelActive() == .startHandshake)
        #expect(machine.channelInactive() == .fireErrorAndInactive(.handshakeFailed))
    }

    @Test func handshakeFailure() {
        var machine = TLSHandlerStateMachine()
        #expect(machine.channelActive() == .startHandshake)
        #expect(machine.bytesReceived() == .continueHandshake)
        #expect(machine.handshakeFailed(.notTLS) == .failAndClose(.notTLS))
        #expect(machine.bytesReceived() == .discardBytes)
        #expect(machine.handshakeTimedOut() == .none)
        #expect(machine.channelInactive() == .fireInactive)
    }

    @Test func handshakeTimeout() {
        var machine = TLSHandlerStateMachine()
        #expect(machine.channelActive() == .startHandshake)
        #expect(machine.handshakeTimedOut() == .failAndClose(.handshakeTimeout))
        #expect(machine.closeRequested() == .forwardClose)
        #expect(machine.channelInactive() == .fireInactive)
    }

    @Test func bytesBeforeChannelActiveStartTheHandshake() {
        var machine = TLSHandlerStateMachine()
        #expect(machine.bytesReceived() == .startHandshake)
        #expect(machine.state == .handshaking)
    }

    @Test func closeBeforeTheHandshakeSendsNoAlert() {
        var machine = TLSHandlerStateMachine()
        #expect(machine.channelActive() == .startHandshake)
        #expect(machine.closeRequested() == .forwardClose)
        #expect(machine.channelActive() == .none)
        #expect(machine.channelInactive() == .fireInactive)
    }

    @Test func protocolErrorAfterHandshake() {
        var machine = makeActive()
        #expect(machine.connectionFailed(.protocolFailure) == .failAndClose(.protocolFailure))
        #expect(machine.connectionFailed(.protocolFailure) == .none)
        #expect(machine.writeRequested() == .fail(.channelClosed))
    }

    @Test func inactiveWhileIdle() {
        var machine = TLSHandlerStateMachine()
        #expect(machine.channelInactive() == .fireInactive)
        #expect(machine.state == .closed)
    }

    private func makeActive() -> TLSHandlerStateMachine {
        var machine = TLSHandlerStateMachine()
        _ = machine.channelActive()
        _ = machine.handshakeCompleted()
        return machine
    }

    @Test func aServerWaitsForTheClientHelloBeforeItsFirstStep() {
        var machine = TLSHandlerStateMachine()
        #expect(machine.channelActive(waitForPeer: true) == .startHandshakeTimer)
        #expect(machine.bytesReceived() == .continueHandshake)
    }
}
