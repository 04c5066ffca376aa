import ChatCore
import Testing

/// What `inbox` showed a connection stays unacknowledged until `read` or the next `inbox` acknowledges it.
@Suite struct ShownInboxTests {
    private func ids(_ values: Int64...) -> [MessageID] { values.map(MessageID.init(rawValue:)) }

    @Test func nothingIsAcknowledgedBeforeAnythingIsShown() {
        let shown = ShownInbox()
        #expect(shown.acknowledged(by: nil).isEmpty)
        #expect(shown.acknowledged(by: MessageID(rawValue: 100)).isEmpty)
    }

    @Test func readWithAnIdAcknowledgesOnlyShownIdsUpToIt() {
        var shown = ShownInbox()
        shown.show(ids(3, 5, 9))
        // 4 was never shown here: it is not acknowledged, whatever its number.
        #expect(shown.acknowledged(by: MessageID(rawValue: 5)) == ids(3, 5))
        #expect(shown.acknowledged(by: MessageID(rawValue: 2)) == [])
        #expect(shown.acknowledged(by: nil) == ids(3, 5, 9))
    }

    @Test func acknowledgedIdsLeaveOnlyOnceForgotten() {
        var shown = ShownInbox()
        shown.show(ids(3, 5, 9))
        let first = shown.acknowledged(by: MessageID(rawValue: 5))
        // The store failed: nothing was forgotten, the next acknowledgement covers them again.
        #expect(shown.acknowledged(by: nil) == ids(3, 5, 9))
        shown.forget(first)
        #expect(shown.unacknowledged == ids(9))
        #expect(shown.acknowledged(by: MessageID(rawValue: 5)) == [])
    }

    @Test func aPageShownAgainIsNotCountedTwice() {
        var shown = ShownInbox()
        shown.show(ids(1, 2))
        shown.show(ids(2, 3))
        #expect(shown.unacknowledged == ids(1, 2, 3))
    }
}
