import ChatCore
import Testing

@Suite struct ChatRoomTests {
    private func name(_ raw: String) -> Username { try! Username.validate(raw).get() }

    private func member(_ raw: String, _ id: Int, blocks: Set<String> = []) -> RoomMember {
        RoomMember(name: name(raw), identity: .guest, connection: ConnectionID(id), blocks: blocks)
    }

    @Test func joiningAnnouncesToEveryoneElse() throws {
        var room = ChatRoom()
        #expect(try room.join(member("tesla", 1)).get() == nil)
        #expect(try room.join(member("albert", 2)).get() == Delivery(to: [ConnectionID(1)], .joined("albert")))
        #expect(room.count == 2)
    }

    @Test func aNameOnlineAlreadyIsRefusedCaseInsensitively() {
        var room = ChatRoom()
        _ = room.join(member("Alice", 1))
        #expect(throws: ProtocolError.self) { try room.join(member("ALICE", 2)).get() }
        #expect(room.member("alice")?.connection == ConnectionID(1))
    }

    @Test func leavingAnnouncesPlainOrUnexpected() {
        var room = ChatRoom()
        _ = room.join(member("a", 1))
        _ = room.join(member("b", 2))
        _ = room.join(member("c", 3))
        #expect(room.leave("b", connection: ConnectionID(2), because: .tata)?.reply == .left("b"))
        #expect(
            room.leave("c", connection: ConnectionID(3), because: .dropped)
                == Delivery(to: [ConnectionID(1)], .leftUnexpectedly("c"))
        )
    }

    @Test(
        arguments: [
            (LeaveReason.certificateRevoked, "NOTICE Bob left the conversation (client certificate revoked)"),
            (.certificateExpired, "NOTICE Bob left the conversation (client certificate expired)"),
            (.flooding, "NOTICE Bob left the conversation (disconnected for flooding)"),
            (.tata, "NOTICE Bob left the conversation"),
            (.dropped, "NOTICE Bob left the conversation unexpectedly"),
        ]
    )
    func aSessionTheServerEndsIsAnnouncedWithItsReason(reason: LeaveReason, line: String) {
        var room = ChatRoom()
        _ = room.join(member("a", 1))
        _ = room.join(member("Bob", 2))
        let notice = room.leave("bob", connection: ConnectionID(2), because: reason)
        #expect(notice?.recipients == [ConnectionID(1)])
        #expect(notice.map { ReplyFormatter.line(for: $0.reply) } == line)
    }

    @Test func aGuestWhoRegistersIsAnIdentityFromThenOn() {
        var room = ChatRoom()
        _ = room.join(member("Dora", 1))
        let staleConnection = room.identify("dora", connection: ConnectionID(2), as: .registered)
        #expect(!staleConnection)
        #expect(room.member("dora")?.identity == .guest)
        let current = room.identify("dora", connection: ConnectionID(1), as: .registered)
        #expect(current)
        #expect(room.member("dora")?.identity == .registered)
        #expect(room.member(on: ConnectionID(1))?.name.display == "Dora")
        #expect(room.member("dora")?.identity.hasIdentity == true)
    }

    @Test func aStaleConnectionCannotRemoveTheCurrentHolderOfAName() {
        var room = ChatRoom()
        _ = room.join(member("a", 1))
        #expect(room.leave("a", connection: ConnectionID(99), because: .dropped) == nil)
        #expect(room.member("a") != nil)
    }

    @Test func chatGoesToEveryoneButTheSenderAndThoseWhoBlockIt() {
        var room = ChatRoom()
        _ = room.join(member("alice", 1))
        _ = room.join(member("bob", 2, blocks: ["alice"]))
        _ = room.join(member("carol", 3))
        #expect(room.recipients(from: "alice") == [ConnectionID(3)])
        #expect(room.recipients(from: "nobody") == nil, "the sender is not in the room")
    }

    @Test func nobodyToTellMeansNoDelivery() {
        var room = ChatRoom()
        _ = room.join(member("alone", 1))
        #expect(room.recipients(from: "alone") == nil)
    }

    @Test func blocksAreKeptOnTheMember() {
        var room = ChatRoom()
        _ = room.join(member("alice", 1))
        _ = room.join(member("bob", 2))
        #expect(room.member("bob")?.accepts(from: "alice") == true)
        let first = room.block("alice", by: "bob")
        let second = room.block("alice", by: "bob")
        #expect(first && !second)
        #expect(room.member("bob")?.accepts(from: "alice") == false)
        #expect(room.recipients(from: "alice") == nil)
        let undone = room.unblock("alice", by: "bob")
        let undoneAgain = room.unblock("alice", by: "bob")
        #expect(undone && !undoneAgain)
        #expect(room.recipients(from: "alice") == [ConnectionID(2)])
    }

    @Test func othersAreSortedAndExcludeTheAsker() {
        var room = ChatRoom()
        for (index, raw) in ["zed", "Bob", "alice"].enumerated() { _ = room.join(member(raw, index)) }
        #expect(room.others(than: "zed").map(\.display) == ["alice", "Bob"])
    }
}
